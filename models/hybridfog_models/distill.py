"""Knowledge distillation and training one part of a hybrid on the cached features of its frozen edge backbone."""
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from .loop import batched, load_checkpoint
from .schedules import warmup_cosine


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


def exit_modules(edge):
    """The early exit's modules (branch, BN, FC): what --train exit trains."""
    return edge.exit_branch, edge.exit_bn, edge.exit_fc


def frozen_features(args, edge, cloud, base, images_u8, path, augmented, gen, prepare, augment):
    """One (augmented) copy of images_u8 through the frozen partitions (eval mode), cached at path: the features at
    the cut "features" (N,C,H,W) float16, the cloud's logits "cloud_logits" and, when base (the full-precision
    baseline) is given, its logits "baseline_logits" (N,classes) float32. The backbone then runs once per copy, not
    once per epoch; float16 keeps 45,000 s2b3 copies at 737 MB each (training upcasts them to float32).
    prepare: uint8 images -> normalized float32 (N,C,H,W); augment(x, gen): the training augmentation.

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
    x = torch.from_numpy(prepare(images_u8))
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


def train_on_frozen_features(args, part, edge, cloud, base, train, val, build, prepare, augment):
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
                              True, gen, prepare, augment) for k in range(args.feature_copies)]
    val_cache = frozen_features(args, edge, cloud, None, val[0], os.path.join(cache, "val.npz"), False, gen,
                                prepare, augment)
    if distill_from is not None:
        distill_from.cpu()
    ytr = torch.from_numpy(train[1])
    steps = (len(ytr) + args.batch - 1) // args.batch
    opt = torch.optim.Adam(params, lr=args.lr, weight_decay=args.wd)
    sched = warmup_cosine(opt, steps, {"epochs": args.epochs})
    ckpt, start, seconds = os.path.join(build, f"{part}-checkpoint.pt"), 0, []
    if os.path.exists(ckpt):
        ck = load_checkpoint(ckpt)
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
