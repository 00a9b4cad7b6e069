#!/usr/bin/python3
"""CIFAR-10 (JPEG) ResNet-32: full-precision baseline and conditionally deep hybrid variants.

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
"""
import argparse
import inspect
import io
import json
import math
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
from hybridfog_models.quant import freeze_quantized  # noqa: E402
from hybridfog_models.macs import count_macs  # noqa: E402
from hybridfog_models.exits import calibrate_entropy_threshold, calibrate_for_targets  # noqa: E402
from hybridfog_models.export import export_partition  # noqa: E402
from hybridfog_models.artifacts import write_metrics_and_reference  # noqa: E402

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
# per-channel statistics of the CIFAR-10 training images (pixel/255), the values used by most CIFAR code
MEAN = [0.4914, 0.4822, 0.4465]
STD = [0.2470, 0.2435, 0.2616]
DEFAULT_DATA = (os.path.join(os.environ["HYBRIDFOG_DATA"], "cifar10") if os.environ.get("HYBRIDFOG_DATA")
                else os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "cifar10")))
MODEL_PREFIX = "cifar10-resnet32-"


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
    save_cache(cache, x, y)
    return x, y


def save_cache(cache, x, y):
    """Writes decoded images (N,32,32,3) uint8 and labels (N,) int64 where load_zip looks first."""
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    # write then rename: a concurrent run never reads a half-written cache
    tmp = f"{cache}.{os.getpid()}.tmp.npz"
    np.savez(tmp, x=x, y=y)
    os.replace(tmp, cache)


def normalize(images_u8):
    """uint8 (N,H,W,3) -> float32 (N,3,H,W): x/255, minus mean, divided by std, in float32, per channel
    (the exact arithmetic of the Java runtime)."""
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def augment(x, gen):
    """Random crop with 4-pixel zero padding and horizontal flip, per sample. The random draws come from gen (a
    CPU generator) whatever x's device, so that a run on a GPU sees the same crops and flips as on the CPU."""
    n, dev = x.shape[0], x.device
    pad = F.pad(x, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (n,), generator=gen).to(dev)
    dx = torch.randint(0, 9, (n,), generator=gen).to(dev)
    ar = torch.arange(32, device=dev)
    rows = (dy[:, None] + ar)[:, None, :, None]
    cols = (dx[:, None] + ar)[:, None, None, :]
    ch = torch.arange(3, device=dev)[None, :, None, None]
    out = pad[torch.arange(n, device=dev)[:, None, None, None], ch, rows, cols]
    flip = (torch.rand(n, generator=gen) < 0.5).to(dev)
    return torch.where(flip[:, None, None, None], out.flip(3), out)


def splits(args):
    xtr, ytr = load_zip(os.path.join(args.data, "train.zip"), os.path.join(args.cache, "train-u8.npz"))
    perm = np.random.RandomState(args.seed).permutation(len(xtr))
    val, tr = perm[:args.val_size], perm[args.val_size:]
    if args.limit_train:
        tr = tr[:args.limit_train]
    return (xtr[tr], ytr[tr]), (xtr[val], ytr[val])


def load_test_split(args):
    """test.zip as uint8 (N,32,32,3) and labels (N,), in sorted zip entry name order (the CSV's order)."""
    return load_zip(os.path.join(args.data, "test.zip"), os.path.join(args.cache, "test-u8.npz"))


def _warmup_cosine(opt, steps_per_epoch, plan):
    """One epoch of linear warm-up to the set lr, then cosine decay to 0 at plan["epochs"]; plan is read at every
    step, so a --time-budget run can fix its length after the first epoch (the warm-up does not depend on it)."""
    def factor(t):
        if t < steps_per_epoch:
            return (t + 1) / steps_per_epoch
        total = max(1, steps_per_epoch * (plan["epochs"] - 1))
        return 0.5 * (1 + math.cos(math.pi * min(t - steps_per_epoch, total) / total))
    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def _planned_epochs(args, elapsed, epoch_seconds):
    """Epochs that fit --time-budget (seconds from the start of training): the first, which took `elapsed`, plus
    what the rest of the budget buys at epoch_seconds each; at least 2, at most --epochs."""
    fit = 1 + int((args.time_budget - elapsed) // epoch_seconds)
    return max(2, min(args.epochs, fit))


def run_epochs(args, modules, step_fn, evaluate, ckpt_path, train):
    """Trains (resuming from ckpt_path if present); returns the wall seconds of each epoch run now. With
    --time-budget (and --schedule warmup-cosine) args.epochs is the cap and the run fixes its length after its
    first epoch; the length is kept in the checkpoint and becomes args.epochs."""
    params = [p for m in modules for p in m.parameters()]
    xtr = torch.from_numpy(normalize(train[0])).to(args.device)
    ytr = torch.from_numpy(train[1]).to(args.device)
    steps = (len(xtr) + args.batch - 1) // args.batch
    if args.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=args.wd, nesterov=True)
    else:
        opt = torch.optim.Adam(params, lr=args.lr, weight_decay=args.wd)
    plan = {"epochs": args.epochs}
    if args.schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps,
                                                    pct_start=0.15)
    else:
        sched = _warmup_cosine(opt, steps, plan)
    gen = torch.Generator().manual_seed(args.seed)
    start, seconds, began = 0, [], time.time()
    if os.path.exists(ckpt_path):
        ck = _load(ckpt_path)
        for m, sd in zip(modules, ck["modules"]):
            m.load_state_dict(sd)
        opt.load_state_dict(ck["opt"]); gen.set_state(ck["gen"])
        start = ck["epoch"]
        if args.time_budget and "planned_epochs" in ck:
            args.epochs = plan["epochs"] = ck["planned_epochs"]
        planned = ck.get("planned_epochs") or ck["sched"]["total_steps"] // steps
        anneal_from = ck.get("anneal_from")
        if anneal_from is None and planned != args.epochs:
            # --epochs changed on resume (e.g. a run cut short to fit a CPU budget): keep weights and optimizer
            # state, and anneal the learning rate reached so far to zero by cosine over the remaining epochs
            anneal_from = {"epoch": start, "lr": opt.param_groups[0]["lr"]}
        if anneal_from is None:
            sched.load_state_dict(ck["sched"])
        else:
            sched = _cosine_anneal(opt, anneal_from, steps, args.epochs, ck["sched"] if "anneal_from" in ck else None)
        print(f"resumed after epoch {start}" + (f", annealing lr {anneal_from['lr']:.4g} from epoch "
                                                f"{anneal_from['epoch']} to 0 at epoch {args.epochs}"
                                                if anneal_from else ""), flush=True)
    else:
        anneal_from = None
    epoch = start
    while epoch < args.epochs:  # not a range: a --time-budget run fixes args.epochs after its first epoch
        for m in modules:
            m.train()
        t0, tot, n = time.time(), 0.0, 0
        order = torch.randperm(len(xtr), generator=gen)
        for i in range(steps):
            if i == steps // 2:
                t_half = time.time()
            idx = order[i * args.batch:(i + 1) * args.batch].to(args.device)
            loss = step_fn(augment(xtr[idx], gen), ytr[idx])
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            tot += loss.detach() * len(idx); n += len(idx)  # no per-step .item(): it would sync a GPU every step
        mean_loss = float(tot) / n  # waits for the device
        t_end = time.time()
        seconds.append(t_end - t0)  # training only: evaluation is not part of an epoch's cost
        report = evaluate()
        if args.time_budget and epoch == 0 and start == 0:
            # pace from the epoch's second half plus evaluation: the first steps pay for start-up (CUDA context,
            # cuDNN autotuning), which made a plan from the whole first epoch 3x too short on a GPU
            pace = (t_end - t_half) * steps / (steps - steps // 2) + (time.time() - t_end)
            args.epochs = plan["epochs"] = _planned_epochs(args, time.time() - began, pace)
            print(f"time budget {args.time_budget:.0f}s: {args.epochs} epochs planned at {pace:.1f}s each",
                  flush=True)
        print(f"epoch {epoch + 1}/{args.epochs} loss {mean_loss:.4f} {report} ({seconds[-1]:.0f}s)", flush=True)
        state = {"modules": [m.state_dict() for m in modules], "opt": opt.state_dict(), "sched": sched.state_dict(),
                 "gen": gen.get_state(), "epoch": epoch + 1, "planned_epochs": args.epochs}
        if anneal_from is not None:
            state["anneal_from"] = anneal_from
        torch.save(state, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)
        epoch += 1
    return seconds


def _cosine_anneal(opt, anneal_from, steps_per_epoch, epochs, state=None):
    """Cosine decay from anneal_from["lr"] at epoch anneal_from["epoch"] to 0 at `epochs`, per step; closed
    form of the step count, so resuming only needs the scheduler's step counter."""
    for g in opt.param_groups:
        g["initial_lr"] = anneal_from["lr"]
    total = steps_per_epoch * (epochs - anneal_from["epoch"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.5 * (1 + math.cos(math.pi * min(t, total) / total)))
    if state is not None:
        sched.load_state_dict(state)
        for g, lr in zip(opt.param_groups, sched.get_last_lr()):
            g["lr"] = lr
    return sched


def batched(fn, x, batch=500, prepare=normalize, device="cpu"):
    """Runs fn over x in batches on device; x is uint8 images (normalized here) or, with prepare=None, model
    inputs. Returns numpy arrays."""
    prepare = prepare or (lambda a: a)
    with torch.no_grad():
        outs = [fn(torch.from_numpy(prepare(x[i:i + batch])).to(device)) for i in range(0, len(x), batch)]
    if isinstance(outs[0], tuple):
        return tuple(torch.cat(o).cpu().numpy() for o in zip(*outs))
    return torch.cat(outs).cpu().numpy()


def baseline(args):
    train, val = splits(args)
    out = os.path.join(args.build, "baseline")
    os.makedirs(out, exist_ok=True)
    net = ResNet32().to(args.device)

    def step(x, y):
        return F.cross_entropy(net(x), y)

    def evaluate():
        net.eval()
        return f"val acc {(batched(net, val[0], device=args.device).argmax(1) == val[1]).mean():.4f}"

    seconds = run_epochs(args, [net], step, evaluate, os.path.join(out, "checkpoint.pt"), train)
    net.cpu()
    torch.save(net.state_dict(), os.path.join(out, "resnet32.pt"))
    if args.train_only:
        return
    net.eval()
    metrics = {"command": "/usr/bin/python3 models/cifar10/train.py " + " ".join(sys.argv[1:]),
               "validation_accuracy": float((batched(net, val[0]).argmax(1) == val[1]).mean()),
               "epochs": args.epochs, "seconds_per_epoch_run_by_this_command": [round(t, 1) for t in seconds]}
    if args.report_test:
        xte, yte = load_test_split(args)
        metrics["test_accuracy"] = float((batched(net, xte).argmax(1) == yte).mean())
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "baseline-metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)
    print(json.dumps(metrics, indent=2))


def _load(path):
    """torch.load of our own files on CPU; torch >= 2.6 defaults to weights_only=True, which refuses the
    optimizer/scheduler state of a checkpoint."""
    kwargs = {"map_location": "cpu"}
    if "weights_only" in inspect.signature(torch.load).parameters:
        kwargs["weights_only"] = False
    return torch.load(path, **kwargs)


def _repo_path(path):
    """path relative to the repository root when inside it (metrics.json stays machine-independent)."""
    repo = os.path.dirname(os.path.dirname(HERE))
    rel = os.path.relpath(os.path.abspath(path), repo)
    return path if rel.startswith("..") else rel


def distillation_loss(student_logits, teacher_logits, t):
    """Knowledge distillation (Hinton, Vinyals, Dean 2015): KL(softmax(teacher/t) || softmax(student/t)) x t^2,
    the t^2 keeping its gradient on the scale of the cross-entropy's. Logits (N,classes) float32."""
    return F.kl_div(F.log_softmax(student_logits / t, 1), F.softmax(teacher_logits / t, 1),
                    reduction="batchmean") * (t * t)


def distilled_cross_entropy(args, logits, y, teacher):
    """One head's loss: (1 - w)·CE + w·distillation from teacher's logits (w = --distill-weight, T = --distill-t);
    plain CE when teacher is None."""
    ce = F.cross_entropy(logits, y)
    if teacher is None:
        return ce
    return (1 - args.distill_weight) * ce + args.distill_weight * distillation_loss(logits, teacher, args.distill_t)


def predict(edge, cloud, images_u8, batch=500):
    """uint8 (N,32,32,3) -> exit logits (N,10), cloud logits (N,10), both float32 numpy; eval mode, on the modules'
    device, batched so that the features of all N samples are never held at once (s1: 64 KiB per sample)."""
    edge.eval(); cloud.eval()

    def both_heads(x):
        exit_logits, features = edge(x)
        return exit_logits, cloud(features)
    return batched(both_heads, images_u8, batch, device=next(edge.parameters()).device)


def exit_modules(edge):
    """The early exit's modules (branch, BN, FC): what --train exit trains."""
    return edge.exit_branch, edge.exit_bn, edge.exit_fc


def frozen_features(args, edge, cloud, base, images_u8, path, augmented, gen):
    """One (augmented) copy of images_u8 through the frozen partitions (eval mode), cached at path: the features at
    the cut "features" (N,C,H,W) float16, the cloud's logits "cloud_logits" and, when base (the full-precision
    baseline) is given, its logits "baseline_logits" (N,classes) float32. The backbone then runs once per copy, not
    once per epoch; float16 keeps 45,000 s2b3 copies at 737 MB each (training upcasts them to float32).

    The copy's crops and flips are drawn from gen even when it is cached, so copy k is the same whichever copies a
    run finds cached, and a cache can be extended (more copies, or baseline logits added to an existing copy; the
    first batch's features are then checked against the cached ones). Raises SystemExit on a stale cache."""
    cached = dict(np.load(path)) if os.path.exists(path) else {}
    todo = [k for k in ["features"] + (["baseline_logits"] if base is not None else []) if k not in cached]
    if todo:
        print(f"caching {', '.join(todo)} of {os.path.basename(path)}", flush=True)
    edge.eval(); cloud.eval()
    if base is not None:
        base.eval()
    x = torch.from_numpy(normalize(images_u8))
    new = {"features": [], "cloud_logits": [], "baseline_logits": []}
    with torch.no_grad():
        for i in range(0, len(x), 500):
            xb = augment(x[i:i + 500], gen) if augmented else x[i:i + 500]
            if not todo:
                continue  # the draws above keep gen in step
            xb = xb.to(args.device)
            if "features" in todo or i == 0:
                f = edge.backbone(xb)
                if "features" in todo:
                    new["features"].append(f.half().cpu().numpy()); new["cloud_logits"].append(cloud(f).cpu().numpy())
                elif not np.allclose(f.cpu().numpy(), cached["features"][:len(f)].astype(np.float32), atol=2e-2):
                    sys.exit(f"{path} was cached from other weights or crops: delete it and rerun")
            if "baseline_logits" in todo:
                new["baseline_logits"].append(base(xb).cpu().numpy())
    if todo:
        cached.update({k: np.concatenate(v) for k, v in new.items() if v})
        np.savez(path + ".tmp.npz", **cached)
        os.replace(path + ".tmp.npz", path)
    return cached


def train_on_frozen_features(args, part, edge, cloud, base, train, val, build):
    """--train exit | cloud: trains one part on the cached features of the frozen edge backbone of --init-from.

    exit: the early exit (branch, BN, FC), distilled from the frozen cloud's logits (an exit that agrees with the
    cloud where it is confident costs the hybrid nothing when it answers), or from the baseline's
    (--exit-teacher baseline). cloud: the cloud partition, distilled from
    the full-precision baseline base (as joint training does); the exit is untouched, so the exit policy's decisions
    do not move, and only the offloaded samples' answers improve.
    The backbone's features of --feature-copies augmented copies of the training split (and the teacher's logits) are
    computed once and cached in <build>/frozen-features/; epoch e trains on copy e mod copies. Resumable
    (<build>/<part>-checkpoint.pt). Returns the wall seconds of each epoch run now."""
    if not args.init_from:
        sys.exit(f"--train {part} needs --init-from: the trained edge and cloud whose {part} it trains")
    if part == "exit":
        trained_modules, head = list(exit_modules(edge)), edge.early_exit
        teacher_key = f"{args.exit_teacher}_logits"
    else:
        trained_modules, head, teacher_key = [cloud], cloud, "baseline_logits"
    for p in list(edge.parameters()) + list(cloud.parameters()):
        p.requires_grad_(False)
    params = [p for m in trained_modules for p in m.parameters()]
    for p in params:
        p.requires_grad_(True)
    distill_from = base if teacher_key == "baseline_logits" and args.distill_t > 0 else None
    for m in (edge, cloud) + ((distill_from,) if distill_from is not None else ()):
        m.to(args.device)
    cache = os.path.join(build, "frozen-features")
    os.makedirs(cache, exist_ok=True)
    gen = torch.Generator().manual_seed(args.seed)
    copies = [frozen_features(args, edge, cloud, distill_from, train[0], os.path.join(cache, f"train-{k}.npz"),
                              True, gen) for k in range(args.feature_copies)]
    val_cache = frozen_features(args, edge, cloud, None, val[0], os.path.join(cache, "val.npz"), False, gen)
    if distill_from is not None:
        distill_from.cpu()
    ytr = torch.from_numpy(train[1])
    steps = (len(ytr) + args.batch - 1) // args.batch
    opt = torch.optim.Adam(params, lr=args.lr, weight_decay=args.wd)
    sched = _warmup_cosine(opt, steps, {"epochs": args.epochs})
    ckpt, start, seconds = os.path.join(build, f"{part}-checkpoint.pt"), 0, []
    if os.path.exists(ckpt):
        ck = _load(ckpt)
        edge.load_state_dict(ck["edge"])
        if "cloud" in ck:  # exit checkpoints written before --train cloud existed hold the edge only
            cloud.load_state_dict(ck["cloud"])
        opt.load_state_dict(ck["opt"]); sched.load_state_dict(ck["sched"])
        gen.set_state(ck["gen"]); start = ck["epoch"]
        print(f"resumed after epoch {start}", flush=True)

    def upcast(features):  # the cache holds float16
        return features.astype(np.float32)

    def val_accuracy(fn):
        logits = batched(fn, val_cache["features"], 1000, prepare=upcast, device=args.device)
        return (logits.argmax(1) == val[1]).mean()

    for epoch in range(start, args.epochs):
        t0, tot = time.time(), 0.0
        copy = copies[epoch % len(copies)]
        edge.eval(); cloud.eval()  # frozen BN statistics stay those of the trained model
        for m in trained_modules:
            m.train()
        order = torch.randperm(len(ytr), generator=gen).numpy()
        for i in range(steps):
            idx = np.sort(order[i * args.batch:(i + 1) * args.batch])  # sorted: faster fancy indexing of the cache
            logits = head(torch.from_numpy(upcast(copy["features"][idx])).to(args.device))
            t = torch.from_numpy(copy[teacher_key][idx]).to(args.device) if args.distill_t > 0 else None
            loss = distilled_cross_entropy(args, logits, ytr[idx].to(args.device), t)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            tot += float(loss) * len(idx)
        seconds.append(time.time() - t0)
        edge.eval(); cloud.eval()
        print(f"epoch {epoch + 1}/{args.epochs} (copy {epoch % len(copies)}) loss {tot / len(ytr):.4f} val exit/cloud "
              f"acc {val_accuracy(edge.early_exit):.4f}/{val_accuracy(cloud):.4f} ({seconds[-1]:.0f}s)", flush=True)
        torch.save({"edge": edge.state_dict(), "cloud": cloud.state_dict(), "opt": opt.state_dict(),
                    "sched": sched.state_dict(), "gen": gen.get_state(), "epoch": epoch + 1}, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)
    edge.cpu(); cloud.cpu()
    return seconds


def hybrid(args):
    """Fine-tunes one variant from the baseline, then freezes, calibrates (validation), evaluates (test), exports."""
    train, val = splits(args)
    variant = f"{args.cut}-b{args.bits}"
    build = os.path.join(args.build, variant)
    os.makedirs(build, exist_ok=True)
    cut = CUTS[args.cut]
    edge = HybridEdge(cut, args.bits, exit_pool=args.exit_pool, shortcuts=args.shortcuts,
                      exit_blocks=args.exit_blocks, exit_bits=args.exit_bits)
    cloud = HybridCloud(cut)
    ckpt = os.path.join(build, "checkpoint.pt")
    baseline_path = args.baseline or os.path.join(args.build, "baseline", "resnet32.pt")
    if not os.path.exists(baseline_path):
        sys.exit(f"{baseline_path} is missing: train the baseline first "
                 f"(/usr/bin/python3 models/cifar10/train.py baseline --epochs 40 --threads 2 --report-test)")
    base = ResNet32()
    base.load_state_dict(_load(baseline_path))
    base.eval()
    if not os.path.exists(ckpt):
        if args.init_from:
            # a longer or second fine-tuning run of a trained variant, e.g. resume/s2b3-b1-hybrid.pt
            start = _load(args.init_from)
            own = edge.state_dict()
            kept = {k: v for k, v in start["edge"].items() if k in own and own[k].shape == v.shape}
            edge.load_state_dict(kept, strict=False)
            fresh = sorted(set(own) - set(kept))
            if fresh:
                print("init-from: newly initialized (other shape or new, e.g. --exit-pool, --exit-blocks):",
                      ", ".join(fresh), flush=True)
            cloud.load_state_dict(start["cloud"])
        else:
            init_hybrid_from_baseline(edge, cloud, base)

    def head_loss(logits, y, teacher):
        return distilled_cross_entropy(args, logits, y, teacher)

    def step(x, y):
        teacher = None
        if args.distill_t > 0:
            with torch.no_grad():
                teacher = base(x)
        e, f = edge(x)
        return (args.exit_weight * head_loss(e, y, teacher)
                + (1 - args.exit_weight) * head_loss(cloud(f), y, teacher))

    def evaluate():
        e, c = predict(edge, cloud, val[0])
        return f"val exit/cloud acc {(e.argmax(1) == val[1]).mean():.4f}/{(c.argmax(1) == val[1]).mean():.4f}"

    if args.train in ("exit", "cloud"):
        seconds = train_on_frozen_features(args, args.train, edge, cloud, base, train, val, build)
    else:
        edge.to(args.device); cloud.to(args.device); base.to(args.device)
        seconds = run_epochs(args, [edge, cloud], step, evaluate, ckpt, train)
        edge.cpu(); cloud.cpu(); base.cpu()
    torch.save({"edge": edge.state_dict(), "cloud": cloud.state_dict()}, os.path.join(build, "hybrid.pt"))
    print("trained", variant, flush=True)
    if args.train_only:
        return

    # what is exported is what is evaluated: exact quantized weights, eval mode
    freeze_quantized(edge)
    edge.eval(); cloud.eval()
    ve, vc = predict(edge, cloud, val[0])
    base_val_correct = batched(base, val[0]).argmax(1) == val[1]
    base_val = float(base_val_correct.mean())
    calibration = None
    if args.min_exit_rate is None:
        threshold = calibrate_entropy_threshold(ve, vc, val[1], args.max_drop,
                                                base_val if args.calibrate_against == "baseline" else None)
    else:
        reference = base_val_correct if args.calibrate_against == "baseline" else vc.argmax(1) == val[1]
        threshold, margin, val_acc, val_exits = calibrate_for_targets(ve, vc, val[1], reference, args.max_drop,
                                                                      args.min_exit_rate)
        calibration = {"rule": "max min(z_acc, z_exit)", "min_exit_rate": args.min_exit_rate,
                       "margin_z": round(margin, 4), "validation_accuracy": val_acc, "validation_exit_rate": val_exits}
        print(f"calibrated {threshold:.4f} nats: validation {val_acc:.4f} accuracy, {val_exits:.4f} exits, "
              f"margin {margin:.2f} standard errors on both targets", flush=True)
    xte, yte = load_test_split(args)
    te, tc = predict(edge, cloud, xte)
    base_acc = {"weights": _repo_path(baseline_path), "validation_accuracy": base_val,
                "test_accuracy": float((batched(base, xte).argmax(1) == yte).mean())}
    training = {"epochs": args.epochs, "epochs_run_by_this_command": len(seconds),
                "seconds_per_epoch": [round(t, 1) for t in seconds], "threads": args.threads,
                "train_images": int(len(train[1])), "batch": args.batch, "optimizer": args.optimizer, "lr": args.lr,
                "wd": args.wd, "exit_weight": args.exit_weight, "exit_pool": args.exit_pool, "seed": args.seed,
                "shortcuts": args.shortcuts, "exit_blocks": args.exit_blocks,
                "exit_bits": args.exit_bits or args.bits if args.exit_blocks else None, "trained": args.train,
                "distill_teacher": args.exit_teacher if args.train == "exit" else "baseline",
                "distill_t": args.distill_t,
                "distill_weight": args.distill_weight if args.distill_t > 0 else 0.0,
                "init_from": _repo_path(args.init_from) if args.init_from else None}
    if calibration:
        training["calibration"] = calibration
    write_artifacts(args, variant, edge, cloud, threshold, (ve, vc, val[1]), (te, tc, yte), xte, base_acc, training)


class _Calls(torch.nn.Module):
    """A module whose forward is fn (a bound method of `owner`): count_macs of one part of a model."""

    def __init__(self, fn, owner):
        super().__init__()
        self.owner, self.fn = owner, fn

    def forward(self, x):
        return self.fn(x)


def write_artifacts(args, variant, edge, cloud, threshold, val, test, test_images, baseline_accuracy, training):
    """Writes <out>/<variant>/: edge.onnx, cloud.onnx (same metadata schema as Fashion-MNIST, docs/model-format.md),
    metrics.json and reference-predictions.csv (test.zip in sorted entry name order)."""
    out = os.path.join(args.out, variant)
    os.makedirs(out, exist_ok=True)
    model = MODEL_PREFIX + variant
    example = torch.from_numpy(normalize(test_images[:2]))
    with torch.no_grad():
        _, feats = edge(example)
    edge_macs = count_macs(edge, example)
    exit_macs = count_macs(_Calls(edge.early_exit, edge), feats)
    cloud_macs = count_macs(cloud, feats)
    # the same network without its early exit, every layer in full precision = the ResNet-32 baseline
    reference = sum(edge_macs.values()) - sum(exit_macs.values()) + sum(cloud_macs.values())
    assert reference == sum(count_macs(ResNet32(), example).values()), "edge backbone + cloud must be ResNet-32"
    macs = {"edge": {str(k): v for k, v in sorted(edge_macs.items())}, "edge_exit_fp32": exit_macs.get(32, 0),
            "edge_exit": {str(k): v for k, v in sorted(exit_macs.items())},
            "cloud": {str(k): v for k, v in sorted(cloud_macs.items())}, "reference_fp32": reference}
    common = {
        "model": model, "version": args.version, "labels": CLASSES,
        "input": {"name": "image", "shape": [3, 32, 32], "layout": "NCHW", "dtype": "float32",
                  "pixel_scale": 255.0, "mean": MEAN, "std": STD, "color": "rgb"},
        "exit_output": "exit_logits", "features_output": "features",
        # the residual stream at the cut is real-valued for every bit-width: no bit-packing on offload
        "features": {"name": "features", "shape": [int(d) for d in feats.shape[1:]], "dtype": "float32",
                     "values": "real"},
        "cloud_output": "logits",
        "macs": macs,
        "exit_policy": {"name": "entropy", "threshold": threshold, "unit": "nats",
                        "calibration": f"validation split of {args.val_size} train.zip images (seed {args.seed}), "
                                       f"max accuracy drop {args.max_drop} vs {args.calibrate_against}"
                                       f"{'-only' if args.calibrate_against == 'cloud' else ''} accuracy"
                                       + ("" if getattr(args, "min_exit_rate", None) is None else
                                          f" and exit rate >= {args.min_exit_rate}, both with the widest margin "
                                          f"in standard errors")},
        # optional keys for design-space exploration (ignored by the runtime's parser)
        "cut": args.cut, "edge_bits": args.bits,
    }
    export_partition(edge, example, os.path.join(out, "edge.onnx"), ["image"], ["exit_logits", "features"],
                     dict(common, partition="edge"))
    export_partition(cloud, feats, os.path.join(out, "cloud.onnx"), ["features"], ["logits"],
                     dict(common, partition="cloud"))

    metrics = {"model": model, "version": args.version, "variant": variant, "cut": args.cut,
               "edge_blocks": CUTS[args.cut], "edge_bits": args.bits, "threshold_nats": threshold,
               "command": "/usr/bin/python3 models/cifar10/train.py " + " ".join(sys.argv[1:]),
               "torch": torch.__version__, "macs": macs, "training": training,
               "baseline": baseline_accuracy,
               "data": "CIFAR-10 (JPEG): validation = seeded split of train.zip, test = test.zip (5,000 images)",
               "reference_predictions_order": "test.zip .jpg entries sorted by name (airplane/0000.jpg first)"}
    write_metrics_and_reference(out, metrics, threshold, val, test)


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
    ap.add_argument("--val-size", type=int, default=5000)
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
    ap.add_argument("--report-test", action="store_true", help="evaluate the final baseline on test.zip")
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
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder holding train.zip and test.zip")
    ap.add_argument("--build", default=os.path.join(HERE, "build"),
                    help="checkpoints: <build>/baseline/, <build>/<cut>-b<bits>/ (default: %(default)s)")
    ap.add_argument("--out", default=HERE,
                    help="artifacts: <out>/baseline-metrics.json, <out>/<cut>-b<bits>/ (default: %(default)s)")
    ap.add_argument("--cache", default=os.path.join(HERE, "build"), help="decoded-image caches (default: %(default)s)")
    ap.add_argument("--baseline", help="hybrid: baseline weights (default: <build>/baseline/resnet32.pt)")
    ap.add_argument("--init-from", help="hybrid: start from these trained edge/cloud weights (a hybrid.pt) instead of "
                                        "the baseline's; the run's own checkpoint still takes precedence")
    args = ap.parse_args()
    if args.min_exit_rate is not None and not 0.0 <= args.min_exit_rate <= 1.0:
        ap.error(f"--min-exit-rate {args.min_exit_rate}: a fraction in [0, 1] (e.g. 0.6683, not 66.83)")
    if args.time_budget and args.schedule != "warmup-cosine":
        ap.error("--time-budget needs --schedule warmup-cosine (one-cycle's warm-up depends on the run's length)")
    defaults = {"baseline": ("sgd", 0.1, 5e-4), "hybrid": ("adam", 1e-3, 0.0)}[args.mode]
    args.optimizer = args.optimizer or defaults[0]
    args.lr = args.lr if args.lr is not None else defaults[1]
    args.wd = args.wd if args.wd is not None else defaults[2]
    torch.set_num_threads(args.threads)
    if args.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True  # fixed input shapes: pick the fastest convolution algorithms once
    torch.manual_seed(args.seed)
    (baseline if args.mode == "baseline" else hybrid)(args)


if __name__ == "__main__":
    main()
