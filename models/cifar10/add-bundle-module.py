#!/usr/bin/env python3
"""Writes models/cifar10/pom.xml, the module of every exported CIFAR-10 variant's bundle:
models/add-bundle-module.py --dataset cifar10.

Usage: /usr/bin/python3 models/cifar10/add-bundle-module.py [s2b3-b1 ...]   (variants that must be exported)
"""
import os
import runpy
import sys

if __name__ == "__main__":
    sys.argv = [sys.argv[0], "--dataset", "cifar10"] + sys.argv[1:]
    runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "add-bundle-module.py"),
                   run_name="__main__")
