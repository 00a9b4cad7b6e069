#!/usr/bin/env python3
"""Exports a trained variant's partitions again from its weights, e.g. as integer ONNX (hybridfog_models.reexport).

    /usr/bin/python3 models/export-variant.py models/cifar10/s2b3-b1 \
        --weights models/cifar10/resume/s2b3-b1-hybrid-1.9.0.pt --form integer --out /tmp/s2b3-b1-int
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hybridfog_models.reexport import main  # noqa: E402

if __name__ == "__main__":
    main()
