#!/usr/bin/env python3
"""Makes a trained CIFAR-10 variant a model bundle module: models/add-bundle-module.py --dataset cifar10.

Usage: /usr/bin/python3 models/cifar10/add-bundle-module.py s2b3-b1 [more variants...]
"""
import os
import runpy
import sys

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.argv = [sys.argv[0], "--dataset", "cifar10"] + sys.argv[1:]
    runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "add-bundle-module.py"),
                   run_name="__main__")
