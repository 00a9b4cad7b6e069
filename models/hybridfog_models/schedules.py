"""Learning-rate schedules of the training loop (per optimizer step) and --time-budget planning."""
import math

import torch


def warmup_cosine(opt, steps_per_epoch, plan):
    """One epoch of linear warm-up to the set lr, then cosine decay to 0 at plan["epochs"]; plan is read at every
    step, so a --time-budget run can fix its length after the first epoch (the warm-up does not depend on it)."""
    def factor(t):
        if t < steps_per_epoch:
            return (t + 1) / steps_per_epoch
        total = max(1, steps_per_epoch * (plan["epochs"] - 1))
        return 0.5 * (1 + math.cos(math.pi * min(t - steps_per_epoch, total) / total))
    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def cosine_anneal(opt, anneal_from, steps_per_epoch, epochs, state=None):
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


def onecycle(opt, lr, epochs, steps_per_epoch):
    """One-cycle (15 % warm-up, cosine annealing), the default schedule."""
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, epochs=epochs, steps_per_epoch=steps_per_epoch,
                                               pct_start=0.15)


def planned_epochs(args, elapsed, epoch_seconds):
    """Epochs that fit --time-budget (seconds from the start of training): the first, which took `elapsed`, plus
    what the rest of the budget buys at epoch_seconds each; at least 2, at most --epochs."""
    fit = 1 + int((args.time_budget - elapsed) // epoch_seconds)
    return max(2, min(args.epochs, fit))
