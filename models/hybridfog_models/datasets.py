"""Data set configurations and the prepared data of one training run.

A data set is any ImageFolder (zip or folder of <class>/<image>) or IDX folder (hybridfog_models.data); naming it
needs no code. A configuration (`hybridfog_models/datasets/<name>.json`, or any JSON file passed to --dataset) only
records what the command line would otherwise say:

  name          model names are <name>-<arch>-<cut>-b<bits>; default output folder models/<name>/
  title         the name in prose (Maven module descriptions); description: one line for metrics.json
  data          the folder holding the splits: relative to the data root ($HYBRIDFOG_DATA, else ../shared/data
                beside the checkout) or absolute; a list = the first that exists
  train, test   the splits inside it (default: train.zip / test.zip, or train/ / test/, or the IDX files)
  val_size      images of the seeded validation split carved from train (default 10 %)
  classes       pins the class order (default: sorted folder names); labels: the names exported (default: classes)
  mean, std     pins the normalization (default: computed from the training images); "normalization" says why
  color         "rgb", "grayscale" or "auto"; image_size [H, W] to resize to (default: the images' own size)
  augment       {"pad": random-crop padding in pixels (default 4), "flip": horizontal flips (default true)}
"""
import json
import os

from . import data as D

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG_DIR = os.path.join(HERE, "datasets")
MODELS = os.path.dirname(HERE)
REPO = os.path.dirname(MODELS)


def data_root():
    """Where named data sets' folders are looked up: $HYBRIDFOG_DATA, else ../shared/data beside the checkout."""
    return os.environ.get("HYBRIDFOG_DATA") or os.path.normpath(os.path.join(REPO, "..", "shared", "data"))


def known_configs():
    return sorted(f[:-5] for f in os.listdir(CONFIG_DIR) if f.endswith(".json"))


def load_config(name_or_path):
    """A configuration by name (hybridfog_models/datasets/<name>.json) or JSON file path."""
    path = name_or_path if name_or_path.endswith(".json") else os.path.join(CONFIG_DIR, name_or_path + ".json")
    if not os.path.exists(path):
        raise SystemExit(f"data set {name_or_path!r}: no {path} (known: {', '.join(known_configs())}; or pass --data "
                         f"with an ImageFolder and --name)")
    with open(path) as f:
        config = json.load(f)
    config.setdefault("name", os.path.basename(path)[:-5])
    return config


def resolve_data_folder(spec):
    """The folder of a configuration's "data" entry (see the module doc); the first candidate when none exists."""
    candidates = spec if isinstance(spec, list) else [spec]
    paths = [c if os.path.isabs(c) else os.path.join(data_root(), c) for c in candidates]
    return next((p for p in paths if os.path.exists(p)), paths[0])


def find_split(folder, split, given=None):
    """Path of a split: `given` (relative to folder unless absolute), else <split>.zip or <split>/ in folder, else
    folder itself when it holds IDX files."""
    if given:
        return given if os.path.isabs(given) or os.path.exists(given) else os.path.join(folder, given)
    for candidate in (os.path.join(folder, split + ".zip"), os.path.join(folder, split)):
        if os.path.exists(candidate):
            return candidate
    if D.is_idx_folder(folder):
        return folder
    raise SystemExit(f"{folder}: no {split}.zip, {split}/ or IDX files (pass --data, or --{split}-split)")


class Dataset:
    """The data of one run: the training split minus a seeded validation split, the normalization, the test split
    on demand. Attributes: name, classes, labels, color, shape [C,H,W], mean, std, train (x,y), val (x,y),
    val_size, train_source, test_source, normalization_source."""

    def __init__(self, name, train_source, test_source, cache_dir, val_size=None, seed=0, limit_train=0,
                 classes=None, labels=None, mean=None, std=None, color="auto", image_size=None, description=None,
                 pad=4, flip=True, stats_file=None, normalization_note=None):
        self.name, self.description = name, description or name
        self.train_source, self.test_source, self.cache_dir = train_source, test_source, cache_dir
        self.seed, self.pad, self.flip = seed, pad, flip
        self._color, self._size, self._labels_given = color, image_size, labels
        images = D.load_split(train_source, self._cache("train"), classes, color, image_size, labels, "train")
        self.classes, self.color = images.classes, images.color
        self.labels = list(labels) if labels else list(self.classes)
        if len(self.labels) != len(self.classes):
            raise SystemExit(f"{len(self.labels)} labels for {len(self.classes)} classes")
        self.val_size = val_size or max(1, len(images) // 10)
        tr, val = D.split_indices(len(images), self.val_size, seed)
        self.shape = [int(images.x.shape[3]), int(images.x.shape[1]), int(images.x.shape[2])]
        if mean is not None and std is not None:
            self.mean, self.std = list(mean), list(std)
            self.normalization_source = normalization_note or "pinned by the data set's configuration"
        else:
            self.mean, self.std, self.normalization_source = self._statistics(images.x[tr], stats_file)
        if len(self.mean) != self.shape[0] or len(self.std) != self.shape[0]:
            raise SystemExit(f"normalization for {len(self.mean)} channels, images have {self.shape[0]}")
        if limit_train:
            tr = tr[:limit_train]
        self.train = (images.x[tr], images.y[tr])
        self.val = (images.x[val], images.y[val])
        self._test = None

    def _cache(self, split):
        return os.path.join(self.cache_dir, f"{split}-u8.npz") if self.cache_dir else None

    def _statistics(self, train_images, stats_file):
        """Mean and std of the training images (train split minus validation), kept in stats_file so that every
        model of a build folder (a baseline and the hybrids fine-tuned from it) uses the same normalization."""
        what = (f"computed from the {len(train_images)} training images of {os.path.basename(self.train_source)} "
                f"(validation split of {self.val_size}, seed {self.seed}, left out)")
        if stats_file and os.path.exists(stats_file):
            with open(stats_file) as f:
                kept = json.load(f)
            if kept.get("classes") == self.classes and kept.get("color") == self.color:
                return kept["mean"], kept["std"], kept["source"] + f" (kept in {os.path.basename(stats_file)})"
            print(f"{stats_file}: another class list or color; computing the statistics again", flush=True)
        mean, std = D.channel_stats(train_images)
        if stats_file:
            os.makedirs(os.path.dirname(os.path.abspath(stats_file)), exist_ok=True)
            with open(stats_file, "w") as f:
                json.dump({"mean": mean, "std": std, "source": what, "classes": self.classes, "color": self.color},
                          f, indent=2)
        print(f"normalization {what}: mean {mean}, std {std}", flush=True)
        return mean, std, what

    def normalize(self, images_u8):
        return D.normalize(images_u8, self.mean, self.std)

    def augment(self, x, gen):
        from .augment import random_crop_flip
        return random_crop_flip(x, gen, self.pad, self.flip)

    def test(self):
        """The test split, Images in sorted entry name order (the order of reference-predictions.csv)."""
        if self._test is None:
            self._test = D.load_split(self.test_source, self._cache("test"), self.classes, self.color,
                                      self._size, self._labels_given, "test")
            if list(self._test.x.shape[1:]) != [self.shape[1], self.shape[2], self.shape[0]]:
                raise SystemExit(f"{self.test_source}: images of shape {self._test.x.shape[1:]}, training images "
                                 f"{self.shape[1:]} x {self.shape[0]} channels")
        return self._test
