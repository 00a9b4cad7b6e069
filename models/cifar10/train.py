#!/usr/bin/python3
"""CIFAR-10 (JPEG) ResNet-32: full-precision baseline and conditionally deep hybrid variants.

The data set configuration `cifar10` of the generic toolchain (models/train.py, hybridfog_models/cli.py): this
command is `models/train.py --dataset cifar10`, with the same options, defaults, folders and checkpoints.

Baseline (resumable; checkpoints in models/cifar10/build/baseline/, metrics in models/cifar10/baseline-metrics.json):
    /usr/bin/python3 models/cifar10/train.py baseline --epochs 40 --threads 2 --report-test
Hybrid fine-tuned from the baseline (cut in s1 | s2b3 | s3b2, bits in 1 | 2 | 4); resumable, checkpoints in
models/cifar10/build/<cut>-b<bits>/. After training it freezes the quantized weights, calibrates the exit
threshold on the validation split, evaluates on test.zip and writes models/cifar10/<cut>-b<bits>/:
edge.onnx, cloud.onnx, metrics.json, reference-predictions.csv (see models/cifar10/README.md):
    /usr/bin/python3 models/cifar10/train.py hybrid --cut s2b3 --bits 1 --epochs 15 --threads 2

Smoke run (seconds; never touches models/cifar10/build/ checkpoints nor the committed artifacts):
    /usr/bin/python3 models/cifar10/train.py baseline --build /tmp/c10 --out /tmp/c10 --limit-train 256 --val-size 500 --epochs 1 --threads 1
    /usr/bin/python3 models/cifar10/train.py hybrid --build /tmp/c10 --out /tmp/c10 --limit-train 256 --val-size 500 --epochs 1 --threads 1

Data: ../shared/data/cifar10/{train,test}.zip (one JPEG per image, <class>/<nnnn>.jpg; --data, or
$HYBRIDFOG_DATA/cifar10). A fixed, seeded 5,000-image validation split is carved from train.zip; test.zip is
only used for the final report. Decoded images are cached in models/cifar10/build/{train,test}-u8.npz (--cache).
Normalization: the published CIFAR-10 statistics below, pinned by the configuration (every shipped model and
checkpoint was trained with them).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from hybridfog_models import data as _data  # noqa: E402
from hybridfog_models.cli import main as _main  # noqa: E402
from hybridfog_models.datasets import load_config, resolve_data_folder  # noqa: E402

_CONFIG = load_config("cifar10")
CLASSES = _CONFIG["classes"]
# per-channel statistics of the CIFAR-10 training images (pixel/255), the values used by most CIFAR code
MEAN = _CONFIG["mean"]
STD = _CONFIG["std"]
DEFAULT_DATA = resolve_data_folder(_CONFIG["data"])
MODEL_PREFIX = "cifar10-resnet32-"
save_cache = _data.save_cache


def normalize(images_u8):
    """uint8 (N,H,W,3) -> float32 (N,3,H,W): x/255, minus mean, divided by std, in float32, per channel
    (the exact arithmetic of the Java runtime)."""
    return _data.normalize(images_u8, MEAN, STD)


def load_zip(path, cache):
    """uint8 images (N,32,32,3) and labels (N,) from a zip of <class>/<nnnn>.jpg, decoded with Pillow (sorted entry
    names), through the cache file."""
    images = _data.load_split(path, cache, CLASSES, "rgb")
    return images.x, images.y


def main():
    _main(preset="cifar10", command="/usr/bin/python3 models/cifar10/train.py", description=__doc__)


if __name__ == "__main__":
    main()
