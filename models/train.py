#!/usr/bin/python3
"""Trains, calibrates and exports a hybrid for any image data set: see hybridfog_models/cli.py, or --help.

    /usr/bin/python3 models/train.py baseline --dataset cifar100 --threads 2 --report-test
    /usr/bin/python3 models/train.py hybrid --dataset cifar100 --cut s2b3 --bits 4 --threads 2
    /usr/bin/python3 models/train.py baseline --data DIR --name NAME   # DIR: train.zip/test.zip or train/ test/
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hybridfog_models.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
