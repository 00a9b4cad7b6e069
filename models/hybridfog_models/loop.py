"""The resumable training loop, checkpoint loading and batched inference."""
import inspect
import os
import time

import torch

from .schedules import cosine_anneal, onecycle, planned_epochs, warmup_cosine


def load_checkpoint(path):
    """torch.load of our own files on CPU; torch >= 2.6 defaults to weights_only=True, which refuses the
    optimizer/scheduler state of a checkpoint."""
    kwargs = {"map_location": "cpu"}
    if "weights_only" in inspect.signature(torch.load).parameters:
        kwargs["weights_only"] = False
    return torch.load(path, **kwargs)


def run_epochs(args, modules, step_fn, evaluate, ckpt_path, train, prepare, augment):
    """Trains (resuming from ckpt_path if present); returns the wall seconds of each epoch run now.

    train: (uint8 images (N,H,W,C), labels (N,)); prepare: uint8 images -> normalized float32 (N,C,H,W) numpy;
    augment(x, gen): a batch's augmentation, drawn from the CPU generator gen. step_fn(x, y) returns the loss.
    args: optimizer, lr, wd, batch, epochs, schedule, seed, device, time_budget. With --time-budget (and --schedule
    warmup-cosine) args.epochs is the cap and the run fixes its length after its first epoch; the length is kept in
    the checkpoint and becomes args.epochs. When --epochs differs from the checkpoint's plan on resume, weights and
    optimizer state are kept and the lr reached is annealed to 0 by cosine over the remaining epochs.

    Checkpoint (ckpt_path): {"modules": [state dicts], "opt", "sched", "gen" (generator state), "epoch",
    "planned_epochs"[, "anneal_from"]}, written after every epoch (write, then rename)."""
    params = [p for m in modules for p in m.parameters()]
    xtr = torch.from_numpy(prepare(train[0])).to(args.device)
    ytr = torch.from_numpy(train[1]).to(args.device)
    steps = (len(xtr) + args.batch - 1) // args.batch
    if args.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=args.wd, nesterov=True)
    else:
        opt = torch.optim.Adam(params, lr=args.lr, weight_decay=args.wd)
    plan = {"epochs": args.epochs}
    if args.schedule == "onecycle":
        sched = onecycle(opt, args.lr, args.epochs, steps)
    else:
        sched = warmup_cosine(opt, steps, plan)
    gen = torch.Generator().manual_seed(args.seed)
    start, seconds, began = 0, [], time.time()
    if os.path.exists(ckpt_path):
        ck = load_checkpoint(ckpt_path)
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
            sched = cosine_anneal(opt, anneal_from, steps, args.epochs, ck["sched"] if "anneal_from" in ck else None)
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
            args.epochs = plan["epochs"] = planned_epochs(args, time.time() - began, pace)
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


def batched(fn, x, batch=500, prepare=None, device="cpu"):
    """Runs fn over x in batches on device; x is uint8 images normalized by prepare (None: x already holds model
    inputs). Returns numpy arrays (a tuple of them when fn returns a tuple)."""
    prepare = prepare or (lambda a: a)
    with torch.no_grad():
        outs = [fn(torch.from_numpy(prepare(x[i:i + batch])).to(device)) for i in range(0, len(x), batch)]
    if isinstance(outs[0], tuple):
        return tuple(torch.cat(o).cpu().numpy() for o in zip(*outs))
    return torch.cat(outs).cpu().numpy()


def predict(edge, cloud, images_u8, prepare, batch=500):
    """uint8 images -> exit logits (N,classes), cloud logits (N,classes), both float32 numpy; eval mode, on the
    modules' device, batched so that the features of all N samples are never held at once (s1: 64 KiB per sample)."""
    edge.eval(); cloud.eval()

    def both_heads(x):
        exit_logits, features = edge(x)
        return exit_logits, cloud(features)
    return batched(both_heads, images_u8, batch, prepare=prepare, device=next(edge.parameters()).device)
