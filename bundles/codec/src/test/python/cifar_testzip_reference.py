#!/usr/bin/python3
"""Writes src/test/resources/cifar10/test-zip-reference.json for CifarTestZipParityTest: what training makes of
100 real CIFAR-10 (JPEG) test images, so that Java's ImagePreprocessor can be compared with it bit for bit.

    cd bundles/codec && /usr/bin/python3 src/test/python/cifar_testzip_reference.py [--data DIR]
    /usr/bin/python3 src/test/python/cifar_testzip_reference.py --dump cat/0050.jpg   # Pillow's RGB of one entry

Images: every 50th .jpg entry of test.zip in sorted name order (the order of train.py and of
reference-predictions.csv), i.e. <class>/0000, 0050, ..., 0450 of every class. Decoding and normalization are
train.py's own: load_zip's Pillow decode (Image.open(...).convert("RGB")) and normalize() (float32
x / 255, minus mean[c], divided by std[c]), imported from models/cifar10/train.py.

Per image the file holds SHA-256 digests rather than the 3,072 values (the file stays small; equal digests mean
bit-identical data): of the JPEG bytes, of Pillow's decoded bytes (H, W, C uint8) and of the normalized tensor
(C, H, W float32 little-endian). "lut_bits" holds normalize() of every pixel value 0..255 per channel as the
float32 bit patterns, so an arithmetic difference is pinpointed to the value.
"""
import argparse
import hashlib
import importlib.util
import io
import json
import os
import zipfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", ".."))
OUT = os.path.join(HERE, "..", "resources", "cifar10", "test-zip-reference.json")
STRIDE = 50


def load_train_module():
    spec = importlib.util.spec_from_file_location("cifar10_train", os.path.join(REPO, "models", "cifar10", "train.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def decode(jpeg):
    """train.py load_zip's decoding of one entry: uint8 (32, 32, 3)."""
    return np.array(Image.open(io.BytesIO(jpeg)).convert("RGB"))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def main():
    train = load_train_module()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=train.DEFAULT_DATA, help="folder holding test.zip (default: %(default)s)")
    ap.add_argument("--dump", metavar="ENTRY", help="print Pillow's RGB values (H, W, C) of one entry and exit")
    args = ap.parse_args()
    with zipfile.ZipFile(os.path.join(args.data, "test.zip")) as z:
        if args.dump:
            print(decode(z.read(args.dump)).tolist())
            return
        names = sorted(n for n in z.namelist() if n.endswith(".jpg"))
        images = []
        for index in range(0, len(names), STRIDE):
            name = names[index]
            jpeg = z.read(name)
            rgb = decode(jpeg)
            assert rgb.shape == (32, 32, 3) and rgb.dtype == np.uint8, (name, rgb.shape, rgb.dtype)
            chw = train.normalize(rgb[None])[0]                       # float32 (3, 32, 32)
            images.append({"index": index, "name": name, "label": train.CLASSES.index(name.split("/")[-2]),
                           "jpeg_sha256": sha256(jpeg), "rgb_sha256": sha256(rgb.tobytes()),
                           "normalized_sha256": sha256(chw.astype("<f4").tobytes())})
    # every pixel value through the same normalize(): a (1, 1, 256, 3) image whose pixel p holds p in each channel
    ramp = np.repeat(np.arange(256, dtype=np.uint8)[None, None, :, None], 3, axis=3)
    lut = train.normalize(ramp)[0, :, 0, :]                              # float32 (3, 256)
    doc = {"pillow": Image.__version__, "numpy": np.__version__, "mean": train.MEAN, "std": train.STD,
           "pixel_scale": 255.0, "stride": STRIDE, "entries": len(names),
           "lut_bits": [[int(v) for v in lut[c].view(np.uint32)] for c in range(3)], "images": images}
    with open(OUT, "w") as f:
        # one line per LUT channel and per image: readable diffs when the reference changes
        head = {k: v for k, v in doc.items() if k not in ("lut_bits", "images")}
        f.write(json.dumps(head, indent=1)[:-2] + ",\n")                 # without the closing "\n}"
        f.write(' "lut_bits": [\n  ' + ",\n  ".join(json.dumps(row) for row in doc["lut_bits"]) + "\n ],\n")
        f.write(' "images": [\n  ' + ",\n  ".join(json.dumps(im) for im in images) + "\n ]\n}\n")
    print(f"wrote {len(images)} images of {len(names)} to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
