"""The generic toolchain (models/train.py) on generated data sets: ImageFolder folders and zips, JPEG and PNG,
RGB and grayscale, IDX files; a tiny baseline and hybrid trained and exported end to end.

    /usr/bin/python3 -m unittest discover -s models/tests -p test_any_dataset.py -v
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
sys.path.insert(0, MODELS)
from hybridfog_models import data as D  # noqa: E402
from hybridfog_models.resnet import parse_cut  # noqa: E402

CLASSES = ["circle", "cross", "stripes"]  # folder names; sorted order = label index


def _image(cls, rng, size, gray):
    """A noisy drawing of its class, so that a tiny network has something to learn."""
    h, w = size
    yy, xx = np.mgrid[:h, :w]
    if cls == "circle":
        mask = (yy - h / 2) ** 2 + (xx - w / 2) ** 2 < (h / 3) ** 2
    elif cls == "cross":
        mask = (abs(yy - h // 2) < 2) | (abs(xx - w // 2) < 2)
    else:
        mask = (xx // 3) % 2 == 0
    base = np.where(mask, 200, 40)[..., None] + rng.randint(-30, 30, (h, w, 1 if gray else 3))
    if not gray:
        base = base + np.array([0, 20, -20]) * (CLASSES.index(cls) - 1)
    return np.clip(base, 0, 255).astype(np.uint8)


def make_image_folder(root, per_class, size=(16, 16), gray=False, seed=0, formats=("png", "jpg")):
    """root/<class>/<nnnn>.<png|jpg>; returns {entry name: pixels as decoded by Pillow}."""
    from PIL import Image
    rng = np.random.RandomState(seed)
    written = {}
    for cls in CLASSES:
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        for i in range(per_class):
            fmt = formats[i % len(formats)]
            name = f"{cls}/{i:04d}.{fmt}"
            a = _image(cls, rng, size, gray)
            Image.fromarray(a[..., 0] if gray else a, "L" if gray else "RGB").save(os.path.join(root, name))
            back = np.array(Image.open(os.path.join(root, name)).convert("RGB"))
            written[name] = back[..., :1] if gray else back
    return written


def zip_folder(folder, path, prefix=""):
    with zipfile.ZipFile(path, "w") as z:
        for root, _, files in os.walk(folder):
            for f in sorted(files):
                full = os.path.join(root, f)
                z.write(full, prefix + os.path.relpath(full, folder).replace(os.sep, "/"))


def metadata(path):
    return json.loads({p.key: p.value for p in onnx.load(path).metadata_props}["hybridfog"])


class DataTest(unittest.TestCase):
    def test_zip_and_folder_decode_alike_in_sorted_order_with_folder_labels(self):
        with tempfile.TemporaryDirectory() as d:
            written = make_image_folder(os.path.join(d, "train"), 4, size=(8, 10))
            zip_folder(os.path.join(d, "train"), os.path.join(d, "train.zip"), prefix="train/")  # a top folder too
            a = D.load_split(os.path.join(d, "train"), None)
            b = D.load_split(os.path.join(d, "train.zip"), os.path.join(d, "cache", "train-u8.npz"))
            self.assertEqual(a.classes, CLASSES)
            self.assertEqual(a.color, "rgb")
            self.assertEqual(a.x.shape, (12, 8, 10, 3))
            np.testing.assert_array_equal(a.x, b.x)
            np.testing.assert_array_equal(a.y, [0] * 4 + [1] * 4 + [2] * 4)
            self.assertEqual(a.names, sorted(written))
            np.testing.assert_array_equal(a.x[5], written[a.names[5]])
            c = D.load_split(os.path.join(d, "train.zip"), os.path.join(d, "cache", "train-u8.npz"))  # the cache
            np.testing.assert_array_equal(c.x, a.x)
            self.assertEqual((c.classes, c.names), (b.classes, b.names))
            self.assertEqual(b.names, ["train/" + n for n in a.names])

    def test_a_cache_of_another_source_is_decoded_again(self):
        with tempfile.TemporaryDirectory() as d:
            make_image_folder(os.path.join(d, "a"), 2)
            make_image_folder(os.path.join(d, "b"), 3)
            cache = os.path.join(d, "train-u8.npz")
            self.assertEqual(len(D.load_split(os.path.join(d, "a"), cache)), 6)
            self.assertEqual(len(D.load_split(os.path.join(d, "b"), cache)), 9)
            shutil.rmtree(os.path.join(d, "b"))  # a cache carried without its data (a GPU machine) is used as it is
            self.assertEqual(len(D.load_split(os.path.join(d, "b"), cache)), 9)
            with self.assertRaises(SystemExit):
                D.load_split(os.path.join(d, "b"), os.path.join(d, "no-cache.npz"))

    def test_grayscale_files_give_one_channel_and_mixed_sizes_need_a_size(self):
        with tempfile.TemporaryDirectory() as d:
            make_image_folder(os.path.join(d, "g"), 2, size=(12, 12), gray=True)
            g = D.load_split(os.path.join(d, "g"), None)
            self.assertEqual((g.color, g.x.shape), ("grayscale", (6, 12, 12, 1)))
            self.assertEqual(D.load_split(os.path.join(d, "g"), None, color="rgb").x.shape, (6, 12, 12, 3))
            make_image_folder(os.path.join(d, "g"), 1, size=(9, 9), gray=True, formats=("jpeg",))
            with self.assertRaisesRegex(ValueError, "sizes"):
                D.load_split(os.path.join(d, "g"), None)
            self.assertEqual(D.load_split(os.path.join(d, "g"), None, size=(8, 8)).x.shape, (9, 8, 8, 1))

    def test_test_split_takes_the_training_classes(self):
        with tempfile.TemporaryDirectory() as d:
            make_image_folder(os.path.join(d, "t"), 1)
            os.rename(os.path.join(d, "t", "circle"), os.path.join(d, "t", "unknown"))
            with self.assertRaisesRegex(ValueError, "not among"):
                D.load_split(os.path.join(d, "t"), None, classes=CLASSES)

    def test_idx_files(self):
        with tempfile.TemporaryDirectory() as d:
            rng = np.random.RandomState(0)
            x, y = rng.randint(0, 256, (7, 5, 6)).astype(np.uint8), rng.randint(0, 3, 7).astype(np.uint8)
            for stem, arr, gz in (("train-images-idx3-ubyte", x, True), ("train-labels-idx1-ubyte", y, False)):
                raw = b"\0\0\x08" + bytes([arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
                raw += arr.tobytes()
                with (gzip.open if gz else open)(os.path.join(d, stem + (".gz" if gz else "")), "wb") as f:
                    f.write(raw)
            self.assertTrue(D.is_idx_folder(d))
            s = D.load_split(d, None, labels=["a", "b", "c"])
            np.testing.assert_array_equal(s.x[..., 0], x)
            np.testing.assert_array_equal(s.y, y)
            self.assertEqual((s.classes, s.color), (["a", "b", "c"], "grayscale"))

    def test_statistics_split_and_normalization(self):
        rng = np.random.RandomState(0)
        x = rng.randint(0, 256, (50, 4, 4, 3)).astype(np.uint8)
        mean, std = D.channel_stats(x, chunk=7)
        f = x.reshape(-1, 3) / 255.0
        np.testing.assert_allclose(mean, f.mean(0), atol=5e-5)
        np.testing.assert_allclose(std, f.std(0), atol=5e-5)
        n = D.normalize(x, mean, std)
        self.assertEqual((n.dtype, n.shape), (np.float32, (50, 3, 4, 4)))
        tr, val = D.split_indices(50, 10, seed=3, limit_train=5)
        perm = np.random.RandomState(3).permutation(50)
        np.testing.assert_array_equal(val, perm[:10])
        np.testing.assert_array_equal(tr, perm[10:15])

    def test_cut_names_for_every_depth(self):
        self.assertEqual([parse_cut(c) for c in ("s1", "s2b3", "s3b2")], [5, 8, 12])  # ResNet-32's cuts
        self.assertEqual([parse_cut("s2b3", 20), parse_cut("s2", 20), parse_cut("s2b3", 56), parse_cut("4", 20)],
                         [6, 6, 12, 4])
        for bad, depth in (("s2b4", 20), ("s4", 32), ("10", 20), ("x", 32)):
            with self.assertRaises(ValueError):
                parse_cut(bad, depth)


class AnyImageFolderTest(unittest.TestCase):
    """A tiny baseline and hybrid trained on a generated ImageFolder with the generic command, and exported."""

    def run_cli(self, *args):
        r = subprocess.run([sys.executable, os.path.join(MODELS, "train.py")] + list(args), capture_output=True,
                           text=True, timeout=900)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
        return r.stdout

    def test_train_calibrate_export_a_hybrid_of_a_generated_image_folder(self):
        with tempfile.TemporaryDirectory() as d:
            data, work = os.path.join(d, "shapes"), os.path.join(d, "work")
            train = make_image_folder(os.path.join(data, "train"), 12, size=(16, 16), seed=1)
            make_image_folder(os.path.join(d, "test-folder"), 3, size=(16, 16), seed=2)
            zip_folder(os.path.join(d, "test-folder"), os.path.join(data, "test.zip"))  # test as a zip
            common = ["--data", data, "--arch", "resnet20", "--val-size", "6", "--batch", "8", "--threads", "1",
                      "--epochs", "1", "--build", work, "--out", work, "--cache", work]
            self.run_cli("baseline", *common, "--report-test")
            with open(os.path.join(work, "baseline-resnet20-metrics.json")) as f:
                base = json.load(f)
            self.assertEqual((base["dataset"], base["classes"]), ("shapes", 3))
            self.assertIn("test_accuracy", base)
            self.run_cli("hybrid", *common, "--cut", "s2", "--bits", "2", "--version", "0.1.0", "--min-exit-rate", "0.5")
            out = os.path.join(work, "resnet20-s2-b2")
            edge, cloud = metadata(os.path.join(out, "edge.onnx")), metadata(os.path.join(out, "cloud.onnx"))

            # labels: the folder names; normalization: the training images minus the seeded validation split
            names = sorted(train)
            val = set(np.random.RandomState(0).permutation(len(names))[:6])
            pixels = np.stack([train[n] for i, n in enumerate(names) if i not in val])
            mean, std = D.channel_stats(pixels)
            self.assertEqual(edge["labels"], CLASSES)
            self.assertEqual(edge["input"], {"name": "image", "shape": [3, 16, 16], "layout": "NCHW",
                                             "dtype": "float32", "pixel_scale": 255.0, "mean": mean, "std": std,
                                             "color": "rgb"})
            self.assertEqual((edge["model"], edge["version"], edge["partition"]), ("shapes-resnet20-s2-b2", "0.1.0",
                                                                                   "edge"))
            # ResNet-20 cut after stage 2: 32 channels at half the input size
            self.assertEqual(edge["features"], {"name": "features", "shape": [32, 8, 8], "dtype": "float32",
                                                "values": "real"})
            self.assertEqual((edge["cut"], edge["edge_bits"], edge["arch"], edge["dataset"]),
                             ("s2", 2, "resnet20", "shapes"))
            self.assertEqual(edge["exit_policy"]["unit"], "nats")
            self.assertGreater(edge["macs"]["edge"]["2"], 0)
            self.assertEqual(dict(cloud, partition="edge"), edge)
            with open(os.path.join(work, "normalization.json")) as f:
                self.assertEqual(json.load(f)["mean"], mean)

            # the ONNX graphs: shapes of the declared metadata, 3 classes
            g = onnx.load(os.path.join(out, "edge.onnx")).graph
            dims = {v.name: [x.dim_value or x.dim_param for x in v.type.tensor_type.shape.dim]
                    for v in list(g.input) + list(g.output)}
            self.assertEqual(dims, {"image": ["batch", 3, 16, 16], "exit_logits": ["batch", 3],
                                    "features": ["batch", 32, 8, 8]})
            g = onnx.load(os.path.join(out, "cloud.onnx")).graph
            self.assertEqual([x.dim_value or x.dim_param for x in g.output[0].type.tensor_type.shape.dim], ["batch", 3])

            with open(os.path.join(out, "metrics.json")) as f:
                metrics = json.load(f)
            self.assertEqual((metrics["test"]["samples"], metrics["validation"]["samples"]), (9, 6))
            self.assertEqual(metrics["training"]["train_images"], 30)
            self.assertTrue(metrics["reference_predictions_order"].startswith("test.zip image entries sorted by name"))
            with open(os.path.join(out, "reference-predictions.csv")) as f:
                rows = f.read().splitlines()
            self.assertEqual(len(rows), 10)
            self.assertEqual([r.split(",")[1] for r in rows[1:]], ["0"] * 3 + ["1"] * 3 + ["2"] * 3)

    def test_grayscale_zip_without_a_configuration(self):
        with tempfile.TemporaryDirectory() as d:
            work = os.path.join(d, "work")
            make_image_folder(os.path.join(d, "tr"), 8, size=(12, 12), gray=True, formats=("png",))
            make_image_folder(os.path.join(d, "te"), 2, size=(12, 12), gray=True, formats=("png",), seed=5)
            zip_folder(os.path.join(d, "tr"), os.path.join(d, "glyphs-train.zip"))
            common = ["--train-split", os.path.join(d, "glyphs-train.zip"), "--test-split", os.path.join(d, "te"),
                      "--name", "glyphs", "--arch", "resnet20", "--val-size", "4", "--batch", "8", "--threads", "1",
                      "--epochs", "1", "--build", work, "--out", work, "--cache", work]
            self.run_cli("baseline", *common)
            self.run_cli("hybrid", *common, "--cut", "s1", "--bits", "1")
            edge = metadata(os.path.join(work, "resnet20-s1-b1", "edge.onnx"))
            self.assertEqual((edge["input"]["shape"], edge["input"]["color"]), ([1, 12, 12], "grayscale"))
            self.assertEqual((len(edge["input"]["mean"]), edge["model"]), (1, "glyphs-resnet20-s1-b1"))
            self.assertEqual(edge["features"]["shape"], [16, 12, 12])


if __name__ == "__main__":
    unittest.main()
