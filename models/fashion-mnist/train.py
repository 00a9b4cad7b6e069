#!/usr/bin/python3
"""Trains, calibrates, evaluates and exports the Fashion-MNIST conditionally deep
hybrid network (binary edge + full-precision cloud): the shipped fashion-mnist-hybrid, a small CNN
whose binary features the runtime bit-packs (833 bytes per offload).

A CIFAR ResNet hybrid of the same data is a configuration of the generic toolchain instead (IDX files,
normalization from the training split): /usr/bin/python3 models/train.py baseline --dataset fashion-mnist
--arch resnet20, then hybrid --dataset fashion-mnist --arch resnet20 --cut s2 --bits 1 (models/README.md).

    /usr/bin/python3 models/fashion-mnist/train.py --epochs 15 --threads 2

Writes into models/fashion-mnist/ (committed):  edge.onnx, cloud.onnx,
metrics.json, reference-predictions.csv, preprocess-reference.json + png/.
Checkpoints go to models/fashion-mnist/build/ (resumable with --resume).
"""
import argparse
import io
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from hybridfog_models.quant import BinaryActivation, QuantConv2d, freeze_quantized  # noqa: E402
from hybridfog_models.macs import count_macs  # noqa: E402
from hybridfog_models.exits import calibrate_entropy_threshold  # noqa: E402
from hybridfog_models.export import export_partition  # noqa: E402
from hybridfog_models.artifacts import write_metrics_and_reference  # noqa: E402
from hybridfog_models.data import read_idx  # noqa: E402

MODEL_NAME = "fashion-mnist-hybrid"
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
# Per-channel statistics of the Fashion-MNIST training images (pixel/255).
MEAN = [0.2860]
STD = [0.3530]
DATA_DIRS = ["/usr/share/datasets/fashion-mnist", os.path.join(HERE, "data")]


def load_idx(name):
    for d in DATA_DIRS:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return read_idx(p)
    raise FileNotFoundError(f"{name} not found in {DATA_DIRS} (apt-get install dataset-fashion-mnist)")


def normalize(images_u8):
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28). Float32 steps in this exact order
    (x / 255, minus mean, divided by std) are what the Java runtime does too."""
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN[0])) / np.float32(STD[0])
    return x[:, None, :, :]


class Edge(nn.Module):
    """image (N,1,28,28) float32 -> exit logits (N,10), binary features (N,128,7,7) in {-1,+1}."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1, bias=False)   # full precision
        self.bn1 = nn.BatchNorm2d(32)
        self.pool = nn.MaxPool2d(2)
        self.bn2, self.conv2 = nn.BatchNorm2d(32), QuantConv2d(32, 64, 3, padding=1, bits=1)
        self.bn3, self.conv3 = nn.BatchNorm2d(64), QuantConv2d(64, 64, 3, padding=1, bits=1)
        self.bn4, self.conv4 = nn.BatchNorm2d(64), QuantConv2d(64, 128, 3, padding=1, bits=1)
        self.bn_out = nn.BatchNorm2d(128)
        self.act = BinaryActivation()
        self.exit_fc = nn.Linear(128 * 7 * 7, 10)                 # early-exit classifier, full precision
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))           # 32x14x14
        x = self.conv2(self.act(self.bn2(x)))                     # 64x14x14
        x = self.pool(self.conv3(self.act(self.bn3(x))))          # 64x7x7
        x = self.conv4(self.act(self.bn4(x)))                     # 128x7x7
        features = self.act(self.bn_out(x))
        exit_logits = self.exit_fc(self.drop(features.flatten(1)))
        return exit_logits, features


class Cloud(nn.Module):
    """binary features (N,128,7,7) float32 -> logits (N,10); full precision."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(128, 128, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(128)
        self.conv2 = nn.Conv2d(128, 128, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(128)
        self.fc = nn.Linear(128, 10)

    def forward(self, f):
        x = F.relu(self.bn1(self.conv1(f)))
        x = F.relu(self.bn2(self.conv2(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def augment(x, gen):
    """Random 2-pixel translation (zero padding) and horizontal flip, per sample."""
    n = x.shape[0]
    pad = F.pad(x, (2, 2, 2, 2), value=float((0 - MEAN[0]) / STD[0]))
    dy = torch.randint(0, 5, (n,), generator=gen)
    dx = torch.randint(0, 5, (n,), generator=gen)
    ar = torch.arange(28)
    rows = (dy[:, None] + ar)[:, :, None]
    cols = (dx[:, None] + ar)[:, None, :]
    out = pad[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)
    flip = torch.rand(n, generator=gen) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(3), out)


def predict(edge, cloud, x, batch=1000):
    edge.eval(); cloud.eval()
    exits, finals = [], []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            e, f = edge(x[i:i + batch])
            exits.append(e); finals.append(cloud(f))
    return torch.cat(exits).numpy(), torch.cat(finals).numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--exit-weight", type=float, default=0.4, help="w in w*CE(exit)+(1-w)*CE(final)")
    ap.add_argument("--max-drop", type=float, default=0.002, help="calibration: max accuracy drop vs cloud-only on validation")
    ap.add_argument("--val-size", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init-from", help="start from the weights of a checkpoint (fresh optimizer and schedule)")
    ap.add_argument("--limit-train", type=int, default=0, help="smoke runs: use only N training images")
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    build = os.path.join(args.out, "build")
    os.makedirs(build, exist_ok=True)

    train_x = load_idx("train-images-idx3-ubyte.gz"); train_y = load_idx("train-labels-idx1-ubyte.gz")
    test_x = load_idx("t10k-images-idx3-ubyte.gz"); test_y = load_idx("t10k-labels-idx1-ubyte.gz")
    perm = np.random.RandomState(args.seed).permutation(len(train_x))
    val_idx, tr_idx = perm[:args.val_size], perm[args.val_size:]
    if args.limit_train:
        tr_idx = tr_idx[:args.limit_train]
    xtr = torch.from_numpy(normalize(train_x[tr_idx])); ytr = torch.from_numpy(train_y[tr_idx].astype(np.int64))
    xval = torch.from_numpy(normalize(train_x[val_idx])); yval = train_y[val_idx].astype(np.int64)
    xte = torch.from_numpy(normalize(test_x)); yte = test_y.astype(np.int64)

    edge, cloud = Edge(), Cloud()
    params = list(edge.parameters()) + list(cloud.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    steps_per_epoch = (len(xtr) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch)
    start_epoch = 0
    if args.init_from:
        ck = torch.load(args.init_from)
        edge.load_state_dict(ck["edge"]); cloud.load_state_dict(ck["cloud"])
        print(f"initialized from {args.init_from}", flush=True)
    ckpt_path = os.path.join(build, "checkpoint.pt")
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        edge.load_state_dict(ck["edge"]); cloud.load_state_dict(ck["cloud"])
        opt.load_state_dict(ck["opt"]); sched.load_state_dict(ck["sched"])
        gen.set_state(ck["gen"]); start_epoch = ck["epoch"]
        print(f"resumed after epoch {start_epoch}", flush=True)

    for epoch in range(start_epoch, args.epochs):
        edge.train(); cloud.train()
        t0 = time.time()
        order = torch.randperm(len(xtr), generator=gen)
        tot, n_ok_e, n_ok_c, n = 0.0, 0, 0, 0
        for i in range(steps_per_epoch):
            idx = order[i * args.batch:(i + 1) * args.batch]
            x, y = augment(xtr[idx], gen), ytr[idx]
            exit_logits, feats = edge(x)
            logits = cloud(feats)
            loss = args.exit_weight * F.cross_entropy(exit_logits, y) + (1 - args.exit_weight) * F.cross_entropy(logits, y)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            tot += loss.item() * len(y); n += len(y)
            n_ok_e += (exit_logits.argmax(1) == y).sum().item(); n_ok_c += (logits.argmax(1) == y).sum().item()
        ve, vc = predict(edge, cloud, xval)
        print(f"epoch {epoch + 1}/{args.epochs} loss {tot / n:.4f} train exit/cloud acc {n_ok_e / n:.4f}/{n_ok_c / n:.4f} "
              f"val exit/cloud acc {(ve.argmax(1) == yval).mean():.4f}/{(vc.argmax(1) == yval).mean():.4f} "
              f"({time.time() - t0:.0f}s)", flush=True)
        torch.save({"edge": edge.state_dict(), "cloud": cloud.state_dict(), "opt": opt.state_dict(),
                    "sched": sched.state_dict(), "gen": gen.get_state(), "epoch": epoch + 1}, ckpt_path)

    freeze_quantized(edge)
    edge.eval(); cloud.eval()
    ve, vc = predict(edge, cloud, xval)
    threshold = calibrate_entropy_threshold(ve, vc, yval, args.max_drop)
    te, tc = predict(edge, cloud, xte)
    write_artifacts(args, edge, cloud, threshold, (ve, vc, yval), (te, tc, yte), test_x)


def write_artifacts(args, edge, cloud, threshold, val, test, test_images):
    out = args.out
    example = torch.from_numpy(normalize(test_images[:2]))
    with torch.no_grad():
        _, feats = edge(example)
    edge_macs = count_macs(edge, example)
    exit_macs = edge.exit_fc.in_features * edge.exit_fc.out_features
    cloud_macs = count_macs(cloud, feats)
    macs = {
        "edge": {str(k): v for k, v in sorted(edge_macs.items())},
        "edge_exit_fp32": exit_macs,
        "cloud": {str(k): v for k, v in sorted(cloud_macs.items())},
        # the same network without its early exit, every layer in full precision
        "reference_fp32": sum(edge_macs.values()) - exit_macs + sum(cloud_macs.values()),
    }
    common = {
        "model": MODEL_NAME, "version": args.version, "labels": LABELS,
        "input": {"name": "image", "shape": [1, 28, 28], "layout": "NCHW", "dtype": "float32",
                  "pixel_scale": 255.0, "mean": MEAN, "std": STD, "color": "grayscale"},
        "exit_output": "exit_logits", "features_output": "features",
        "features": {"name": "features", "shape": [128, 7, 7], "dtype": "float32", "values": "binary"},
        "cloud_output": "logits",
        "macs": macs,
        "exit_policy": {"name": "entropy", "threshold": threshold, "unit": "nats",
                        "calibration": f"validation split of {args.val_size} training images (seed {args.seed}), "
                                       f"max accuracy drop {args.max_drop}"},
    }
    export_partition(edge, example, os.path.join(out, "edge.onnx"), ["image"], ["exit_logits", "features"],
                     dict(common, partition="edge"))
    export_partition(cloud, feats, os.path.join(out, "cloud.onnx"), ["features"], ["logits"],
                     dict(common, partition="cloud"))

    metrics = {"model": MODEL_NAME, "version": args.version, "threshold_nats": threshold,
               "command": "/usr/bin/python3 models/fashion-mnist/train.py " + " ".join(sys.argv[1:]),
               "torch": torch.__version__, "macs": macs,
               "initialized_from": args.init_from,
               "note": "stage 1: --epochs 15 --threads 2; stage 2 (this command): continued from stage 1's checkpoint"
               if args.init_from else None}
    write_metrics_and_reference(out, metrics, threshold, val, test)
    write_preprocess_reference(out, test_images)


def write_preprocess_reference(out, test_images, count=8):
    """PNG files of test images and their normalized tensors, for the Java preprocessing test."""
    from PIL import Image
    png_dir = os.path.join(out, "png")
    os.makedirs(png_dir, exist_ok=True)
    ref = {}
    for i in range(count):
        name = f"test-{i:05d}.png"
        Image.fromarray(test_images[i], mode="L").save(os.path.join(png_dir, name))
        decoded = np.array(Image.open(os.path.join(png_dir, name)))
        ref[name] = [float(v) for v in normalize(decoded[None])[0].ravel()]
    with open(os.path.join(out, "preprocess-reference.json"), "w") as f:
        json.dump(ref, f)


if __name__ == "__main__":
    main()
