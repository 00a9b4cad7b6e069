"""What a training command does: the full-precision baseline, and a hybrid fine-tuned from it, then frozen,
calibrated on the validation split, evaluated on the test split and exported (hybridfog_models.cli parses the
command line; `python3 -m hybridfog_models.train --help` from models/, or models/train.py from the repository root).
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

if __package__ in (None, ""):  # run as a file: python3 models/hybridfog_models/train.py
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "hybridfog_models"

from .artifacts import hybrid_metadata, strict_json, write_hybrid, write_json  # noqa: E402
from .distill import distilled_cross_entropy, train_on_frozen_features  # noqa: E402
from .exits import calibrate_entropy_threshold, calibrate_for_targets  # noqa: E402
from .loop import batched, load_checkpoint, predict, run_epochs  # noqa: E402
from .quant import freeze_quantized  # noqa: E402
from .resnet import ARCHS, CifarResNet, HybridCloud, HybridEdge, init_hybrid_from_baseline, parse_cut  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def repo_path(path):
    """path relative to the repository root when inside it (metrics.json stays machine-independent)."""
    rel = os.path.relpath(os.path.abspath(path), REPO)
    return path if rel.startswith("..") else rel


def baseline_dir(args):
    """<build>/baseline for ResNet-32 (the CIFAR-10 layout), <build>/baseline-<arch> for the others."""
    return os.path.join(args.build, "baseline" if args.arch == "resnet32" else f"baseline-{args.arch}")


def baseline_weights(args):
    return args.baseline or os.path.join(baseline_dir(args), f"{args.arch}.pt")


def variant_name(args):
    """<cut>-b<bits> for ResNet-32 (the CIFAR-10 layout), <arch>-<cut>-b<bits> for the others."""
    v = f"{args.cut}-b{args.bits}"
    return v if args.arch == "resnet32" else f"{args.arch}-{v}"


def new_baseline(args, data):
    return CifarResNet(len(data.classes), ARCHS[args.arch], data.shape[0])


def baseline(args, data):
    """Trains the full-precision baseline (resumable: <build>/baseline[-<arch>]/checkpoint.pt), saves its weights
    (<arch>.pt beside it) and writes <out>/baseline[-<arch>]-metrics.json (validation, and test with --report-test)."""
    train, val = data.train, data.val
    out = baseline_dir(args)
    os.makedirs(out, exist_ok=True)
    net = new_baseline(args, data).to(args.device)

    def step(x, y):
        return F.cross_entropy(net(x), y)

    def evaluate():
        net.eval()
        pred = batched(net, val[0], prepare=data.normalize, device=args.device).argmax(1)
        return f"val acc {(pred == val[1]).mean():.4f}"

    seconds = run_epochs(args, [net], step, evaluate, os.path.join(out, "checkpoint.pt"), train, data.normalize,
                         data.augment)
    net.cpu()
    torch.save(net.state_dict(), os.path.join(out, f"{args.arch}.pt"))
    if args.train_only:
        return
    net.eval()
    metrics = {"command": args.command,
               "validation_accuracy": float((batched(net, val[0], prepare=data.normalize).argmax(1) == val[1]).mean()),
               "epochs": args.epochs, "seconds_per_epoch_run_by_this_command": [round(t, 1) for t in seconds]}
    if args.arch != "resnet32" or args.dataset != "cifar10":
        metrics.update({"dataset": data.name, "arch": args.arch, "classes": len(data.classes),
                        "normalization": {"mean": data.mean, "std": data.std, "source": data.normalization_source}})
    if args.report_test:
        test = data.test()
        metrics["test_accuracy"] = float((batched(net, test.x, prepare=data.normalize).argmax(1) == test.y).mean())
    os.makedirs(args.out, exist_ok=True)
    name = "baseline-metrics.json" if args.arch == "resnet32" else f"baseline-{args.arch}-metrics.json"
    write_json(os.path.join(args.out, name), metrics)
    print(json.dumps(strict_json(metrics), indent=2))


def hybrid(args, data):
    """Fine-tunes one variant from the baseline, then freezes, calibrates (validation), evaluates (test), exports
    <out>/<variant>/: edge.onnx, cloud.onnx, metrics.json, reference-predictions.csv."""
    train, val = data.train, data.val
    variant = variant_name(args)
    build = os.path.join(args.build, variant)
    os.makedirs(build, exist_ok=True)
    depth, classes, channels = ARCHS[args.arch], len(data.classes), data.shape[0]
    cut = parse_cut(args.cut, depth)
    edge = HybridEdge(cut, args.bits, classes, exit_pool=args.exit_pool, shortcuts=args.shortcuts,
                      exit_blocks=args.exit_blocks, exit_bits=args.exit_bits, depth=depth, in_channels=channels)
    cloud = HybridCloud(cut, classes, depth=depth)
    ckpt = os.path.join(build, "checkpoint.pt")
    baseline_path = baseline_weights(args)
    if not os.path.exists(baseline_path):
        sys.exit(f"{baseline_path} is missing: train the baseline first ({args.prog} baseline "
                 f"{args.data_args}--epochs 40 --threads 2 --report-test)")
    base = new_baseline(args, data)
    base.load_state_dict(load_checkpoint(baseline_path))
    base.eval()
    if not os.path.exists(ckpt):
        if args.init_from:
            # a longer or second fine-tuning run of a trained variant, e.g. resume/s2b3-b1-hybrid.pt
            start = load_checkpoint(args.init_from)
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
        e, c = predict(edge, cloud, val[0], data.normalize)
        return f"val exit/cloud acc {(e.argmax(1) == val[1]).mean():.4f}/{(c.argmax(1) == val[1]).mean():.4f}"

    if args.train in ("exit", "cloud"):
        seconds = train_on_frozen_features(args, args.train, edge, cloud, base, train, val, build, data.normalize,
                                           data.augment)
    else:
        edge.to(args.device); cloud.to(args.device); base.to(args.device)
        seconds = run_epochs(args, [edge, cloud], step, evaluate, ckpt, train, data.normalize, data.augment)
        edge.cpu(); cloud.cpu(); base.cpu()
    torch.save({"edge": edge.state_dict(), "cloud": cloud.state_dict()}, os.path.join(build, "hybrid.pt"))
    print("trained", variant, flush=True)
    if args.train_only:
        return

    # what is exported is what is evaluated: exact quantized weights, eval mode
    freeze_quantized(edge)
    edge.eval(); cloud.eval()
    ve, vc = predict(edge, cloud, val[0], data.normalize)
    base_val_correct = batched(base, val[0], prepare=data.normalize).argmax(1) == val[1]
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
    test = data.test()
    te, tc = predict(edge, cloud, test.x, data.normalize)
    base_acc = {"weights": repo_path(baseline_path), "validation_accuracy": base_val,
                "test_accuracy": float((batched(base, test.x, prepare=data.normalize).argmax(1) == test.y).mean())}
    training = {"epochs": args.epochs, "epochs_run_by_this_command": len(seconds),
                "seconds_per_epoch": [round(t, 1) for t in seconds], "threads": args.threads,
                "train_images": int(len(train[1])), "batch": args.batch, "optimizer": args.optimizer, "lr": args.lr,
                "wd": args.wd, "exit_weight": args.exit_weight, "exit_pool": args.exit_pool, "seed": args.seed,
                "shortcuts": args.shortcuts, "exit_blocks": args.exit_blocks,
                "exit_bits": args.exit_bits or args.bits if args.exit_blocks else None, "trained": args.train,
                "distill_teacher": args.exit_teacher if args.train == "exit" else "baseline",
                "distill_t": args.distill_t,
                "distill_weight": args.distill_weight if args.distill_t > 0 else 0.0,
                "init_from": repo_path(args.init_from) if args.init_from else None}
    if calibration:
        training["calibration"] = calibration
    write_artifacts(args, data, variant, edge, cloud, threshold, (ve, vc, val[1]), (te, tc, test.y), test, base_acc,
                    training)


def calibration_text(args, data):
    return (f"validation split of {data.val_size} {os.path.basename(data.train_source.rstrip('/'))} images "
            f"(seed {args.seed}), max accuracy drop {args.max_drop} vs {args.calibrate_against}"
            f"{'-only' if args.calibrate_against == 'cloud' else ''} accuracy"
            + ("" if getattr(args, "min_exit_rate", None) is None else
               f" and exit rate >= {args.min_exit_rate}, both with the widest margin in standard errors"))


def write_artifacts(args, data, variant, edge, cloud, threshold, val, test, test_images, baseline_accuracy, training):
    """Writes <out>/<variant>/: edge.onnx, cloud.onnx (the metadata schema of docs/model-format.md), metrics.json
    and reference-predictions.csv (the test split in sorted entry name order). test_images: data.Images."""
    model = f"{data.name}-{args.arch}-{args.cut}-b{args.bits}"
    example = torch.from_numpy(data.normalize(test_images.x[:2]))
    # optional keys for design-space exploration and for finding a data set's models (ignored by the runtime)
    extra = {"cut": args.cut, "edge_bits": args.bits, "arch": args.arch, "dataset": data.name}
    meta, feats = hybrid_metadata(model, args.version, data, edge, cloud, example, threshold,
                                  calibration_text(args, data), extra)
    test_name = os.path.basename(data.test_source.rstrip("/"))
    first = f" ({test_images.names[0]} first)" if test_images.names else ""
    metrics = {"model": model, "version": args.version, "variant": variant, "cut": args.cut, "arch": args.arch,
               "edge_blocks": parse_cut(args.cut, ARCHS[args.arch]), "edge_bits": args.bits,
               "command": args.command, "torch": torch.__version__, "training": training,
               "baseline": baseline_accuracy, "dataset": data.name,
               "normalization": {"mean": data.mean, "std": data.std, "source": data.normalization_source},
               "data": f"{data.description}: validation = seeded split of "
                       f"{os.path.basename(data.train_source.rstrip('/'))} ({data.val_size} images, seed "
                       f"{data.seed}), test = {test_name} ({len(test_images):,} images)",
               "reference_predictions_order": f"{test_name} image entries sorted by name{first}"}
    write_hybrid(os.path.join(args.out, variant), meta, edge, cloud, example, feats, metrics, val, test,
                 form=getattr(args, "export_form", "float"))


if __name__ == "__main__":
    from hybridfog_models.cli import main
    main()
