"""Command line of the toolchain: one command trains, calibrates and exports a hybrid for any image data set.

From the repository root with Debian's PyTorch (/usr/bin/python3; torch 1.13 or 2.x); every command is resumable
(it continues from its checkpoint in --build after an interruption):

    # a named data set (hybridfog_models/datasets/<name>.json: cifar10, cifar100, fashion-mnist)
    /usr/bin/python3 models/train.py baseline --dataset cifar100 --epochs 120 --schedule warmup-cosine --threads 2 --report-test
    /usr/bin/python3 models/train.py hybrid --dataset cifar100 --cut s2b3 --bits 4 --epochs 15 --threads 2
    # any ImageFolder (a folder or zip of <class>/<image>, JPEG or PNG), no configuration
    /usr/bin/python3 models/train.py baseline --data ~/flowers --name flowers --arch resnet20 --epochs 60
    /usr/bin/python3 models/train.py baseline --train-split ~/flowers-train.zip --test-split ~/flowers-test.zip --name flowers

or `cd models && python3 -m hybridfog_models.train ...`. `baseline` trains the full-precision CIFAR ResNet (--arch)
into <build>/baseline/ and writes <out>/baseline-metrics.json; `hybrid` fine-tunes a variant (--cut, --bits) from
it, freezes the quantized weights, calibrates the exit threshold on the validation split, evaluates on the test
split and writes <out>/<variant>/: edge.onnx, cloud.onnx (docs/model-format.md), metrics.json,
reference-predictions.csv. Class labels are the folder names; normalization statistics come from the training split
minus the seeded validation split (kept in <build>/normalization.json), unless the configuration pins them.
models/cifar10/README.md explains the options (exit branch, distillation, two-target calibration, GPU runs).
"""
import argparse
import os
import sys

import torch

from .datasets import MODELS, Dataset, find_split, known_configs, load_config, resolve_data_folder
from .resnet import ARCHS

COMMAND = "/usr/bin/python3 models/train.py"


def parser(preset=None, description=__doc__):
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["baseline", "hybrid"])
    ap.add_argument("--arch", choices=sorted(ARCHS, key=ARCHS.get), default="resnet32",
                    help="CIFAR ResNet of the baseline and of the hybrid cut from it (default: %(default)s)")
    ap.add_argument("--cut", default="s2b3",
                    help="hybrid: where the network is cut: sK = after stage K, sKbJ = after block J of stage K (ResNet-32: "
                         "s1 = 5 blocks on the edge, s2b3 = 8, s3b2 = 12), or a block count (default: %(default)s)")
    ap.add_argument("--bits", type=int, choices=[1, 2, 4], default=1)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--wd", type=float, default=None)
    ap.add_argument("--exit-weight", type=float, default=0.4)
    ap.add_argument("--exit-pool", type=int, default=1, choices=[1, 2, 4],
                    help="hybrid: the early exit pools the cut's features to an N x N grid before its FC (default 1: "
                         "global average pool)")
    ap.add_argument("--exit-blocks", type=int, default=0,
                    help="hybrid: quantized blocks in the early exit's own branch before its pool and FC (default 0: "
                         "the paper's pool + FC on the backbone's features)")
    ap.add_argument("--exit-bits", type=int, choices=[1, 2, 4, 8], default=None,
                    help="hybrid: bit-width of the exit branch's convolutions (default: --bits)")
    ap.add_argument("--train", choices=["all", "exit", "cloud"], default="all",
                    help="hybrid: train edge and cloud jointly (all); or, on the frozen edge backbone of --init-from, "
                         "only the early exit, distilled from that model's cloud (exit), or only the cloud, distilled "
                         "from the baseline with --distill-t (cloud)")
    ap.add_argument("--exit-teacher", choices=["cloud", "baseline"], default="cloud",
                    help="hybrid, --train exit: distill the exit from the frozen cloud's logits or from the "
                         "full-precision baseline's (default: %(default)s)")
    ap.add_argument("--feature-copies", type=int, default=4,
                    help="hybrid, --train exit | cloud: augmented copies of the training split whose frozen features "
                         "are cached (default: %(default)s)")
    ap.add_argument("--shortcuts", choices=["block", "conv"], default="block",
                    help="hybrid: a shortcut around each quantized block (the paper's) or around each quantized "
                         "convolution (Bi-Real Net); same weights and MACs (default: %(default)s)")
    ap.add_argument("--distill-t", type=float, default=0.0,
                    help="hybrid: distill both heads from the full-precision baseline at this temperature "
                         "(0: off, plain cross-entropy)")
    ap.add_argument("--distill-weight", type=float, default=0.7,
                    help="hybrid, with --distill-t: weight of the distillation term in each head's loss")
    ap.add_argument("--val-size", type=int, default=None,
                    help="images of the seeded validation split carved from the training split (default: the data "
                         "set's configuration, else 10 %%)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="torch device to train on, e.g. cuda (default: %(default)s); "
                                                    "freezing, calibration and export always run on the CPU")
    ap.add_argument("--schedule", choices=["onecycle", "warmup-cosine"], default="onecycle",
                    help="learning rate: one-cycle (15%% warm-up) or one epoch of linear warm-up then cosine to 0")
    ap.add_argument("--time-budget", type=float, default=0.0,
                    help="seconds of training: after its first epoch the run fixes its length to what fits, at most "
                         "--epochs (needs --schedule warmup-cosine; 0: off)")
    ap.add_argument("--train-only", action="store_true",
                    help="stop after training (weights in <build>); rerun with the same --epochs to evaluate/export")
    ap.add_argument("--limit-train", type=int, default=0)
    ap.add_argument("--report-test", action="store_true", help="evaluate the final baseline on the test split")
    ap.add_argument("--max-drop", type=float, default=0.002,
                    help="hybrid calibration: max accuracy drop (fraction) vs --calibrate-against on the validation "
                         "split (default: %(default)s)")
    ap.add_argument("--calibrate-against", choices=["cloud", "baseline"], default="cloud",
                    help="hybrid calibration: the accuracy --max-drop is measured from: the hybrid's own cloud-only "
                         "accuracy, or the full-precision baseline's (e.g. --max-drop 0.01: issue 3's 1-point bar); "
                         "default: %(default)s")
    ap.add_argument("--min-exit-rate", type=float, default=None,
                    help="hybrid calibration: also target this edge-exit rate (fraction) and pick the threshold that "
                         "meets both targets with the widest margin in standard errors on the validation split "
                         "(hybridfog_models.exits.calibrate_for_targets), instead of the largest threshold within "
                         "--max-drop. An energy target maps to an exit rate p through the MAC energy model: "
                         "p = 1 - (E_ref / R - E_edge) / E_cloud (docs/energy.md); for s2b3-b1 at the default MAC energies, 5.5x needs 0.6683")
    ap.add_argument("--version", default="1.0.0", help="hybrid: model version written into the ONNX metadata")
    ap.add_argument("--export-form", choices=("float", "integer"), default="float",
                    help="hybrid: the edge's quantized layers as float32 Conv of their quantized values (float, "
                         "default) or as integer ops that ONNX Runtime runs in integer arithmetic (integer: binary "
                         "convolutions as QDQ -> QLinearConv, k-bit ones as ConvInteger; same quantization levels)")
    ap.add_argument("--dataset", default=preset,
                    help="a data set configuration: a name (" + ", ".join(known_configs()) + ") or a JSON file "
                         "(hybridfog_models/datasets.py); without it, --data (or --train-split) names the data" +
                         (" (default: %(default)s)" if preset else ""))
    ap.add_argument("--data", help="folder holding the splits: train.zip and test.zip, train/ and test/ (ImageFolder: "
                                   "<class>/<image>, JPEG or PNG), or IDX files (default: the configuration's)")
    ap.add_argument("--train-split", help="the training split itself: an ImageFolder zip or folder, or an IDX folder")
    ap.add_argument("--test-split", help="the test split itself (used only for the final figures)")
    ap.add_argument("--name", help="data set name: model names <name>-<arch>-<cut>-b<bits>, default folder "
                                   "models/<name>/ (default: the configuration's, else the data folder's name)")
    ap.add_argument("--color", choices=["auto", "rgb", "grayscale"], default=None,
                    help="decoded channels (default: the configuration's, else auto: grayscale when every training "
                         "image is a grayscale file)")
    ap.add_argument("--image-size", type=int, nargs=2, metavar=("H", "W"), default=None,
                    help="resize every image to H x W (default: the images' own size, which must be one)")
    ap.add_argument("--build", help="checkpoints: <build>/baseline/, <build>/<variant>/ (default: models/<name>/build)")
    ap.add_argument("--out", help="artifacts: <out>/baseline-metrics.json, <out>/<variant>/ (default: models/<name>)")
    ap.add_argument("--cache", help="decoded-image caches <cache>/{train,test}-u8.npz (default: models/<name>/build)")
    ap.add_argument("--baseline", help="hybrid: baseline weights (default: <build>/baseline/<arch>.pt; "
                                       "baseline-<arch>/ for architectures other than resnet32)")
    ap.add_argument("--init-from", help="hybrid: start from these trained edge/cloud weights (a hybrid.pt) instead of "
                                        "the baseline's; the run's own checkpoint still takes precedence")
    return ap


def resolve(ap, args, command):
    """Fills in the defaults that depend on the data set and the mode; returns the Dataset (decoded, split,
    normalized). args gains command (the exact command line for metrics.json), prog and data_args."""
    if args.min_exit_rate is not None and not 0.0 <= args.min_exit_rate <= 1.0:
        ap.error(f"--min-exit-rate {args.min_exit_rate}: a fraction in [0, 1] (e.g. 0.6683, not 66.83)")
    if args.time_budget and args.schedule != "warmup-cosine":
        ap.error("--time-budget needs --schedule warmup-cosine (one-cycle's warm-up depends on the run's length)")
    defaults = {"baseline": ("sgd", 0.1, 5e-4), "hybrid": ("adam", 1e-3, 0.0)}[args.mode]
    args.optimizer = args.optimizer or defaults[0]
    args.lr = args.lr if args.lr is not None else defaults[1]
    args.wd = args.wd if args.wd is not None else defaults[2]
    try:
        from .resnet import parse_cut
        parse_cut(args.cut, ARCHS[args.arch])
    except ValueError as e:
        ap.error(str(e))
    config = load_config(args.dataset) if args.dataset else {}
    if not (config or args.data or args.train_split):
        ap.error("name the data: --dataset NAME, --data FOLDER or --train-split/--test-split")
    folder = args.data or (resolve_data_folder(config["data"]) if "data" in config else None)
    train_source = find_split(folder, "train", args.train_split or config.get("train")) if folder else args.train_split
    if not folder and not args.test_split:
        ap.error("--train-split needs --test-split (or --data with both splits)")
    test_source = find_split(folder, "test", args.test_split or config.get("test")) if folder else args.test_split
    args.dataset_name = args.name or config.get("name") or os.path.basename(
        os.path.abspath(folder or os.path.dirname(os.path.abspath(train_source))))
    home = os.path.join(MODELS, args.dataset_name)
    args.out = args.out or home
    args.build = args.build or os.path.join(home, "build")
    args.cache = args.cache or os.path.join(home, "build")
    args.command = f"{command} " + " ".join(sys.argv[1:])
    args.prog = command
    args.data_args = (f"--dataset {args.dataset} " if args.dataset else "") + (f"--data {args.data} " if args.data
                                                                               else "")
    augment = config.get("augment", {})
    size = args.image_size or config.get("image_size")
    data = Dataset(args.dataset_name, train_source, test_source, args.cache,
                   val_size=args.val_size or config.get("val_size"), seed=args.seed, limit_train=args.limit_train,
                   classes=config.get("classes"), labels=config.get("labels"), mean=config.get("mean"),
                   std=config.get("std"), color=args.color or config.get("color", "auto"),
                   image_size=tuple(size) if size else None, description=config.get("description"),
                   pad=augment.get("pad", 4), flip=augment.get("flip", True),
                   stats_file=os.path.join(args.build, "normalization.json"),
                   normalization_note=config.get("normalization"))
    args.val_size = data.val_size
    print(f"{data.name}: {len(data.classes)} classes, {data.color} {data.shape[1]}x{data.shape[2]}, "
          f"{len(data.train[1])} training / {len(data.val[1])} validation images", flush=True)
    return data


def main(argv=None, preset=None, command=COMMAND, description=__doc__):
    """Parses the command line (preset: the default --dataset), then runs baseline or hybrid."""
    from .train import baseline, hybrid
    ap = parser(preset, description)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True  # fixed input shapes: pick the fastest convolution algorithms once
    data = resolve(ap, args, command)
    torch.manual_seed(args.seed)
    (baseline if args.mode == "baseline" else hybrid)(args, data)
