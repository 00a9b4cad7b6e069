#!/usr/bin/python3
"""Writes src/test/resources/cifar10/airplane-0000.json: what Pillow 9.4 + numpy float32 make of
airplane-0000.jpg (CIFAR-10 test.zip entry airplane/0000.jpg), for ImagePreprocessorTest.

    cd bundles/codec && /usr/bin/python3 src/test/python/cifar_reference.py

"rgb" holds the decoded bytes in H, W, C order; "normalized" the C, H, W float32 values of
x = (rgb / 255 - mean[c]) / std[c], each step in float32 (as train.py's normalize does).
"""
import json
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
RES = os.path.join(HERE, "..", "resources", "cifar10")
MEAN = [0.4914, 0.4822, 0.4465]   # commonly used CIFAR-10 channel statistics; any values test the arithmetic
STD = [0.2470, 0.2435, 0.2616]

img = Image.open(os.path.join(RES, "airplane-0000.jpg"))
assert img.mode == "RGB", img.mode
rgb = np.array(img)                                               # (32, 32, 3) uint8
x = rgb.astype(np.float32) / np.float32(255.0)
x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
chw = np.ascontiguousarray(x.transpose(2, 0, 1))
with open(os.path.join(RES, "airplane-0000.json"), "w") as f:
    json.dump({"pillow": Image.__version__, "mean": MEAN, "std": STD,
               "rgb": [int(v) for v in rgb.ravel()],
               "normalized": [float(v) for v in chw.ravel()]}, f)
print("wrote", chw.shape, chw.dtype)
