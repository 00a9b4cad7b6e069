#!/usr/bin/python3
"""CIFAR-10 (JPEG) ResNet-32: full-precision baseline and conditionally deep hybrid variants.

Baseline (resumable; checkpoints in models/cifar10/build/baseline/):
    /usr/bin/python3 models/cifar10/train.py baseline --epochs 40 --threads 2
Hybrid fine-tuned from the baseline (cut in s1 | s2b3 | s3b2, bits in 1 | 2 | 4):
    /usr/bin/python3 models/cifar10/train.py hybrid --cut s2b3 --bits 1 --epochs 15 --threads 2

Data: ../shared/data/cifar10/{train,test}.zip (one JPEG per image, <class>/<nnnn>.jpg). A fixed,
seeded 5,000-image validation split is carved from train.zip; test.zip is only used for the final report.
"""
import argparse
import io
import json
import os
import sys
import time
import zipfile

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from hybridfog_models.resnet import CUTS, HybridCloud, HybridEdge, ResNet32, init_hybrid_from_baseline  # noqa: E402

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
# per-channel statistics of the CIFAR-10 training images (pixel/255), the values used by most CIFAR code
MEAN = [0.4914, 0.4822, 0.4465]
STD = [0.2470, 0.2435, 0.2616]
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "cifar10"))


def load_zip(path, cache):
    """uint8 images (N,32,32,3) and labels (N,) from a zip of <class>/<nnnn>.jpg, decoded with Pillow."""
    if os.path.exists(cache):
        d = np.load(cache)
        return d["x"], d["y"]
    from PIL import Image
    xs, ys = [], []
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if n.endswith(".jpg")):
            cls = name.split("/")[-2]
            xs.append(np.array(Image.open(io.BytesIO(z.read(name))).convert("RGB")))
            ys.append(CLASSES.index(cls))
    x, y = np.stack(xs), np.array(ys, dtype=np.int64)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    np.savez(cache, x=x, y=y)
    return x, y


def normalize(images_u8):
    """uint8 (N,H,W,3) -> float32 (N,3,H,W): x/255, minus mean, divided by std, in float32, per channel
    (the exact arithmetic of the Java runtime)."""
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def augment(x, gen):
    """Random crop with 4-pixel zero padding and horizontal flip, per sample."""
    n = x.shape[0]
    pad = F.pad(x, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (n,), generator=gen)
    dx = torch.randint(0, 9, (n,), generator=gen)
    ar = torch.arange(32)
    rows = (dy[:, None] + ar)[:, None, :, None]
    cols = (dx[:, None] + ar)[:, None, None, :]
    ch = torch.arange(3)[None, :, None, None]
    out = pad[torch.arange(n)[:, None, None, None], ch, rows, cols]
    flip = torch.rand(n, generator=gen) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(3), out)


def splits(args):
    build = os.path.join(HERE, "build")
    xtr, ytr = load_zip(os.path.join(args.data, "train.zip"), os.path.join(build, "train-u8.npz"))
    perm = np.random.RandomState(args.seed).permutation(len(xtr))
    val, tr = perm[:args.val_size], perm[args.val_size:]
    if args.limit_train:
        tr = tr[:args.limit_train]
    return (xtr[tr], ytr[tr]), (xtr[val], ytr[val])


def run_epochs(args, modules, step_fn, evaluate, ckpt_path, train):
    params = [p for m in modules for p in m.parameters()]
    xtr, ytr = torch.from_numpy(normalize(train[0])), torch.from_numpy(train[1])
    steps = (len(xtr) + args.batch - 1) // args.batch
    if args.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=args.wd, nesterov=True)
    else:
        opt = torch.optim.Adam(params, lr=args.lr, weight_decay=args.wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps,
                                                pct_start=0.15)
    gen = torch.Generator().manual_seed(args.seed)
    start = 0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        for m, sd in zip(modules, ck["modules"]):
            m.load_state_dict(sd)
        opt.load_state_dict(ck["opt"]); sched.load_state_dict(ck["sched"]); gen.set_state(ck["gen"])
        start = ck["epoch"]
        print(f"resumed after epoch {start}", flush=True)
    for epoch in range(start, args.epochs):
        for m in modules:
            m.train()
        t0, tot, n = time.time(), 0.0, 0
        order = torch.randperm(len(xtr), generator=gen)
        for i in range(steps):
            idx = order[i * args.batch:(i + 1) * args.batch]
            loss = step_fn(augment(xtr[idx], gen), ytr[idx])
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            tot += loss.item() * len(idx); n += len(idx)
        print(f"epoch {epoch + 1}/{args.epochs} loss {tot / n:.4f} {evaluate()} ({time.time() - t0:.0f}s)", flush=True)
        torch.save({"modules": [m.state_dict() for m in modules], "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "gen": gen.get_state(), "epoch": epoch + 1}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)


def batched(fn, x, batch=500, prepare=normalize):
    """Runs fn over x in batches; x is uint8 images (normalized here) or, with prepare=None, model inputs."""
    prepare = prepare or (lambda a: a)
    with torch.no_grad():
        outs = [fn(torch.from_numpy(prepare(x[i:i + batch]))) for i in range(0, len(x), batch)]
    if isinstance(outs[0], tuple):
        return tuple(torch.cat(o).numpy() for o in zip(*outs))
    return torch.cat(outs).numpy()


def baseline(args):
    train, val = splits(args)
    out = os.path.join(HERE, "build", "baseline")
    os.makedirs(out, exist_ok=True)
    net = ResNet32()

    def step(x, y):
        return F.cross_entropy(net(x), y)

    def evaluate():
        net.eval()
        return f"val acc {(batched(net, val[0]).argmax(1) == val[1]).mean():.4f}"

    run_epochs(args, [net], step, evaluate, os.path.join(out, "checkpoint.pt"), train)
    torch.save(net.state_dict(), os.path.join(out, "resnet32.pt"))
    net.eval()
    metrics = {"command": "/usr/bin/python3 models/cifar10/train.py " + " ".join(sys.argv[1:]),
               "validation_accuracy": float((batched(net, val[0]).argmax(1) == val[1]).mean())}
    if args.report_test:
        xte, yte = load_zip(os.path.join(args.data, "test.zip"), os.path.join(HERE, "build", "test-u8.npz"))
        metrics["test_accuracy"] = float((batched(net, xte).argmax(1) == yte).mean())
    with open(os.path.join(HERE, "baseline-metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)
    print(json.dumps(metrics, indent=2))


def hybrid(args):
    train, val = splits(args)
    name = f"{args.cut}-b{args.bits}"
    out = os.path.join(HERE, "build", name)
    os.makedirs(out, exist_ok=True)
    cut = CUTS[args.cut]
    edge, cloud = HybridEdge(cut, args.bits), HybridCloud(cut)
    ckpt = os.path.join(out, "checkpoint.pt")
    if not os.path.exists(ckpt):
        base = ResNet32()
        base.load_state_dict(torch.load(os.path.join(HERE, "build", "baseline", "resnet32.pt")))
        init_hybrid_from_baseline(edge, cloud, base)

    def step(x, y):
        e, f = edge(x)
        return args.exit_weight * F.cross_entropy(e, y) + (1 - args.exit_weight) * F.cross_entropy(cloud(f), y)

    def evaluate():
        edge.eval(); cloud.eval()
        e, f = batched(edge, val[0])
        c = batched(cloud, f, prepare=None)
        return f"val exit/cloud acc {(e.argmax(1) == val[1]).mean():.4f}/{(c.argmax(1) == val[1]).mean():.4f}"

    run_epochs(args, [edge, cloud], step, evaluate, ckpt, train)
    torch.save({"edge": edge.state_dict(), "cloud": cloud.state_dict()}, os.path.join(out, "hybrid.pt"))
    print("trained", name)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["baseline", "hybrid"])
    ap.add_argument("--cut", choices=sorted(CUTS), default="s2b3")
    ap.add_argument("--bits", type=int, choices=[1, 2, 4], default=1)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--wd", type=float, default=None)
    ap.add_argument("--exit-weight", type=float, default=0.4)
    ap.add_argument("--val-size", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit-train", type=int, default=0)
    ap.add_argument("--report-test", action="store_true", help="evaluate the final baseline on test.zip")
    ap.add_argument("--data", default=DEFAULT_DATA)
    args = ap.parse_args()
    defaults = {"baseline": ("sgd", 0.1, 5e-4), "hybrid": ("adam", 1e-3, 0.0)}[args.mode]
    args.optimizer = args.optimizer or defaults[0]
    args.lr = args.lr if args.lr is not None else defaults[1]
    args.wd = args.wd if args.wd is not None else defaults[2]
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    (baseline if args.mode == "baseline" else hybrid)(args)


if __name__ == "__main__":
    main()
