"""Image classification data for training: decoding, caching, the seeded validation split, normalization.

Input formats:
  * ImageFolder: a zip file or a folder of `<class>/<image>` (JPEG or PNG; `.jpg`, `.jpeg`, `.png`, any case). The
    class of an image is the name of the folder holding it, so a zip whose entries sit under a top folder
    (`train/cat/1.png`) works too. Classes are the sorted folder names of the training split (the usual ImageFolder
    convention; CIFAR-10's and CIFAR-100's standard orders are alphabetical). Images are read in sorted entry name
    order, the order of reference-predictions.csv.
  * IDX (the MNIST family): a folder holding `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]` and the
    `t10k-` pair for the test split. Class names come from the data set's configuration (`labels`), else "0".."9".

Decoded images are uint8 arrays (N, H, W, C), C = 3 (RGB) or 1 (grayscale: every image of the training split is a
grayscale file, or --color grayscale), cached as `<cache>/<split>-u8.npz` (x, y, classes and the source it was
decoded from; a cache of another source is decoded again).

Normalization follows the runtime's arithmetic (docs/model-format.md): float32 x / 255, minus mean[c], divided by
std[c]. The statistics are computed from the training images (the training split minus the validation split).
"""
import gzip
import io
import os
import zipfile

import numpy as np

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L")
IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


class Images:
    """One decoded split: x uint8 (N,H,W,C), y int64 (N,), classes (folder names, index = label), names (entries
    in reading order) and color ("rgb" | "grayscale")."""

    def __init__(self, x, y, classes, names, color):
        self.x, self.y, self.classes, self.names, self.color = x, y, list(classes), list(names), color

    def __len__(self):
        return len(self.y)


def is_idx_folder(path):
    return os.path.isdir(path) and _idx_file(path, IDX_FILES["train"][0]) is not None


def _idx_file(folder, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            return p
    return None


def read_idx(path):
    """An IDX file (optionally gzipped) as a numpy array of its declared shape (unsigned bytes only)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes (magic {raw[:4].hex()})")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_idx_split(folder, split, labels=None):
    """The train or test split of an IDX folder as Images (grayscale); classes = labels or "0".."max label"."""
    images_stem, labels_stem = IDX_FILES[split]
    paths = [_idx_file(folder, images_stem), _idx_file(folder, labels_stem)]
    if None in paths:
        raise FileNotFoundError(f"{folder}: {images_stem}[.gz] and {labels_stem}[.gz] expected (IDX format)")
    x, y = read_idx(paths[0]), read_idx(paths[1]).astype(np.int64)
    if x.ndim == 3:
        x = x[..., None]
    classes = list(labels) if labels else [str(i) for i in range(int(y.max()) + 1)]
    if y.max() >= len(classes):
        raise ValueError(f"{paths[1]}: label {y.max()} but only {len(classes)} class names")
    names = [f"{split}-{i:05d}" for i in range(len(y))]
    return Images(np.ascontiguousarray(x), y, classes, names, "grayscale" if x.shape[-1] == 1 else "rgb")


def _entries(path):
    """Sorted image entry names (relative, '/'-separated) of a zip or folder, and a function reading one's bytes."""
    if os.path.isdir(path):
        names = []
        for root, _, files in os.walk(path):
            names += [os.path.relpath(os.path.join(root, f), path).replace(os.sep, "/") for f in files
                      if f.lower().endswith(IMAGE_SUFFIXES)]

        def read(name):
            with open(os.path.join(path, name), "rb") as f:
                return f.read()
        return sorted(names), read, None
    z = zipfile.ZipFile(path)
    names = sorted(n for n in z.namelist() if n.lower().endswith(IMAGE_SUFFIXES) and not n.endswith("/"))
    return names, z.read, z


def _source_signature(path):
    """What a cache was decoded from: the zip's size and modification time, or the folder's file names and sizes."""
    if os.path.isdir(path):
        names, _, _ = _entries(path)
        total = sum(os.path.getsize(os.path.join(path, n)) for n in names)
        return f"folder {os.path.abspath(path)} {len(names)} files {total} bytes"
    st = os.stat(path)
    return f"zip {os.path.abspath(path)} {st.st_size} bytes {st.st_mtime_ns}"


def decode_image_folder(path, classes=None, color="auto", size=None):
    """Decodes an ImageFolder zip or folder with Pillow. classes: the class list to index labels by (a test split
    takes the training split's; None: the sorted folder names found). color: "rgb", "grayscale" or "auto" (grayscale
    when every image is a grayscale file). size: (H, W) to resize every image to (bilinear), else all images must
    share one size. Returns Images."""
    from PIL import Image
    names, read, handle = _entries(path)
    try:
        if not names:
            raise ValueError(f"{path}: no .jpg, .jpeg or .png images")
        flat = [n for n in names if "/" not in n]
        if flat:
            raise ValueError(f"{path}: {flat[0]} is not in a class folder (<class>/<image> expected)")
        found = sorted({n.split("/")[-2] for n in names})
        if classes is None:
            classes = found
        unknown = sorted(set(found) - set(classes))
        if unknown:
            raise ValueError(f"{path}: classes {unknown[:5]} are not among the training split's")
        index = {c: i for i, c in enumerate(classes)}
        xs, ys, gray = [], [], True
        for name in names:
            im = Image.open(io.BytesIO(read(name)))
            gray = gray and im.mode in GRAY_MODES
            rgb = im.convert("RGB")
            if size is not None and rgb.size != (size[1], size[0]):
                rgb = rgb.resize((size[1], size[0]), Image.BILINEAR)
            xs.append(np.array(rgb))
            ys.append(index[name.split("/")[-2]])
    finally:
        if handle is not None:
            handle.close()
    shapes = sorted({a.shape for a in xs})
    if len(shapes) > 1:
        raise ValueError(f"{path}: images of {len(shapes)} sizes ({shapes[:3]}...): pass an image size to resize to")
    if color == "auto":
        color = "grayscale" if gray else "rgb"
    x = np.stack(xs)
    if color == "grayscale":
        x = np.ascontiguousarray(x[..., :1])  # a grayscale file converted to RGB has three equal channels
    return Images(x, np.array(ys, dtype=np.int64), classes, names, color)


def load_split(path, cache, classes=None, color="auto", size=None, labels=None, split="train"):
    """A split decoded from path (ImageFolder zip/folder, or IDX folder), through the cache file `cache` (None: no
    cache). A cache from an older train.py (x and y only, CIFAR-10's) is taken as it is with `classes`."""
    if is_idx_folder(path):
        return load_idx_split(path, split, labels)
    present = os.path.exists(path)
    signature = _source_signature(path) if present else None
    if cache and os.path.exists(cache):
        d = np.load(cache)
        if "source" not in d.files and classes is not None:
            return Images(d["x"], d["y"], classes, [], "grayscale" if d["x"].shape[-1] == 1 else "rgb")
        # a cache without its source (e.g. carried to a GPU machine without the data) is taken as it is
        if "source" in d.files and (str(d["source"]) == signature or not present) and (
                classes is None or list(d["classes"]) == list(classes)):
            return Images(d["x"], d["y"], [str(c) for c in d["classes"]], [str(n) for n in d["names"]],
                          str(d["color"]))
        if present:
            print(f"{cache}: decoded from another source or class list; decoding {path} again", flush=True)
    if not present:
        raise SystemExit(f"{path} is missing (and no decoded cache of it in {cache}): pass --data DIR, or set "
                         f"HYBRIDFOG_DATA to the folder holding the data set's folder")
    images = decode_image_folder(path, classes, color, size)
    if cache:
        save_cache(cache, images.x, images.y, classes=images.classes, names=images.names, color=images.color,
                   source=signature)
    return images


def save_cache(cache, x, y, **extra):
    """Writes decoded images (N,H,W,C) uint8 and labels (N,) int64 (plus extra arrays) where load_split looks."""
    os.makedirs(os.path.dirname(os.path.abspath(cache)), exist_ok=True)
    # write then rename: a concurrent run never reads a half-written cache
    tmp = f"{cache}.{os.getpid()}.tmp.npz"
    np.savez(tmp, x=x, y=y, **{k: np.asarray(v) for k, v in extra.items()})
    os.replace(tmp, cache)


def split_indices(n, val_size, seed, limit_train=0):
    """The seeded validation split: (train indices, validation indices) of a permutation of range(n) by
    numpy.random.RandomState(seed); validation = its first val_size, training = the rest (its first limit_train
    when given)."""
    if not 0 < val_size < n:
        raise ValueError(f"validation split of {val_size} images out of {n}: between 1 and {n - 1}")
    perm = np.random.RandomState(seed).permutation(n)
    val, tr = perm[:val_size], perm[val_size:]
    if limit_train:
        tr = tr[:limit_train]
    return tr, val


def channel_stats(images_u8, chunk=4096):
    """Per-channel mean and standard deviation of uint8 images (N,H,W,C) scaled by 1/255 (float64, population std),
    each rounded to 4 decimals as they appear in the metadata."""
    c = images_u8.shape[-1]
    s, s2, count = np.zeros(c), np.zeros(c), 0
    for i in range(0, len(images_u8), chunk):
        a = images_u8[i:i + chunk].reshape(-1, c).astype(np.float64) / 255.0
        s += a.sum(0); s2 += (a * a).sum(0); count += len(a)
    mean = s / count
    std = np.sqrt(np.maximum(s2 / count - mean * mean, 0.0))
    if (std <= 0).any():
        raise ValueError("a channel of the training images is constant: no standard deviation to normalize by")
    return [round(float(v), 4) for v in mean], [round(float(v), 4) for v in std]


def normalize(images_u8, mean, std):
    """uint8 (N,H,W,C) -> float32 (N,C,H,W): x/255, minus mean, divided by std, in float32, per channel (the exact
    arithmetic of the Java runtime). (N,H,W) is taken as one channel."""
    if images_u8.ndim == 3:
        images_u8 = images_u8[..., None]
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.array(mean, dtype=np.float32)) / np.array(std, dtype=np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))
