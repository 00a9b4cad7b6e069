"""What an exported model is: its ONNX partitions with the `hybridfog` metadata (hybrid_metadata, write_hybrid),
metrics.json and reference-predictions.csv (write_metrics_and_reference)."""
import json
import math
import os

import torch

from .exits import hybrid_outcome, softmax_entropy_nats
from .export import export_partition
from .macs import count_macs


def strict_json(value):
    """`value` with every non-finite float (e.g. a calibration margin that is infinite because the split has no
    sampling error) replaced by None: JSON (RFC 8259) has no NaN or Infinity, and strict readers refuse them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    return value


def write_json(path, value):
    """Writes `value` as strict, sorted, indented JSON (non-finite floats as null, see strict_json)."""
    with open(path, "w") as f:
        json.dump(strict_json(value), f, indent=2, sort_keys=True, allow_nan=False)


def write_metrics_and_reference(out, metrics, threshold, val, test):
    """Adds validation/test figures at `threshold` (nats) to `metrics`, writes metrics.json, and writes the
    per-sample PyTorch predictions on the test split (the Java contract tests compare against them).

    val, test: (exit_logits (N,C), final_logits (N,C), labels (N,)) as numpy arrays.
    """
    for split, (e, c, y) in (("validation", val), ("test", test)):
        acc, exit_rate = hybrid_outcome(e, c, y, threshold)
        metrics[split] = {"samples": int(len(y)), "cloud_only_accuracy": float((c.argmax(1) == y).mean()),
                          "exit_only_accuracy": float((e.argmax(1) == y).mean()),
                          "hybrid_accuracy": acc, "edge_exit_rate": exit_rate}
    write_json(os.path.join(out, "metrics.json"), metrics)
    print(json.dumps(strict_json(metrics), indent=2, sort_keys=True))

    te, tc, yte = test
    ent = softmax_entropy_nats(te)
    with open(os.path.join(out, "reference-predictions.csv"), "w") as f:
        f.write("index,label,exit_pred,exit_entropy_nats,cloud_pred\n")
        for i in range(len(yte)):
            f.write(f"{i},{yte[i]},{te[i].argmax()},{ent[i]:.7f},{tc[i].argmax()}\n")


class _Calls(torch.nn.Module):
    """A module whose forward is fn (a bound method of `owner`): count_macs of one part of a model."""

    def __init__(self, fn, owner):
        super().__init__()
        self.owner, self.fn = owner, fn

    def forward(self, x):
        return self.fn(x)


def hybrid_metadata(model, version, data, edge, cloud, example, threshold, calibration, extra=None):
    """The `hybridfog` metadata document of a CifarResNet hybrid (docs/model-format.md) and the features of
    `example` (normalized inputs, N >= 1): labels, input {shape, pixel_scale, mean, std, color} from `data`
    (a datasets.Dataset), features at the cut (real-valued float32), MACs by bit-width (the exit's counted apart;
    reference_fp32 = the full-precision network without exit, checked against the baseline architecture), the
    entropy exit policy at `threshold` nats. extra: optional keys (ignored by the runtime), e.g. cut, edge_bits."""
    from .resnet import CifarResNet
    with torch.no_grad():
        _, feats = edge(example)
    edge_macs = count_macs(edge, example)
    exit_macs = count_macs(_Calls(edge.early_exit, edge), feats)
    cloud_macs = count_macs(cloud, feats)
    # the same network without its early exit, every layer in full precision = the baseline architecture
    reference = sum(edge_macs.values()) - sum(exit_macs.values()) + sum(cloud_macs.values())
    depth = 6 * (len(edge.blocks) + len(cloud.blocks)) // 3 + 2
    baseline = CifarResNet(len(data.labels), depth, data.shape[0])
    assert reference == sum(count_macs(baseline, example).values()), f"edge backbone + cloud must be ResNet-{depth}"
    macs = {"edge": {str(k): v for k, v in sorted(edge_macs.items())}, "edge_exit_fp32": exit_macs.get(32, 0),
            "edge_exit": {str(k): v for k, v in sorted(exit_macs.items())},
            "cloud": {str(k): v for k, v in sorted(cloud_macs.items())}, "reference_fp32": reference}
    meta = {
        "model": model, "version": version, "labels": list(data.labels),
        "input": {"name": "image", "shape": list(data.shape), "layout": "NCHW", "dtype": "float32",
                  "pixel_scale": 255.0, "mean": list(data.mean), "std": list(data.std), "color": data.color},
        "exit_output": "exit_logits", "features_output": "features",
        # the residual stream at the cut is real-valued for every bit-width: no bit-packing on offload
        "features": {"name": "features", "shape": [int(d) for d in feats.shape[1:]], "dtype": "float32",
                     "values": "real"},
        "cloud_output": "logits",
        "macs": macs,
        "exit_policy": {"name": "entropy", "threshold": threshold, "unit": "nats", "calibration": calibration},
    }
    meta.update(extra or {})
    return meta, feats


def write_hybrid(out, meta, edge, cloud, example, feats, metrics, val, test, form="float"):
    """Writes <out>/edge.onnx and cloud.onnx (both carrying `meta`, partition added), then metrics.json (macs and
    threshold from meta added) and reference-predictions.csv; val, test as for write_metrics_and_reference.
    form: the edge's export form (export.export_partition)."""
    os.makedirs(out, exist_ok=True)
    export_partition(edge, example, os.path.join(out, "edge.onnx"), ["image"], ["exit_logits", "features"],
                     dict(meta, partition="edge"), form=form)
    export_partition(cloud, feats, os.path.join(out, "cloud.onnx"), ["features"], ["logits"],
                     dict(meta, partition="cloud"))
    metrics = dict(metrics, macs=meta["macs"], threshold_nats=meta["exit_policy"]["threshold"], export_form=form)
    write_metrics_and_reference(out, metrics, meta["exit_policy"]["threshold"], val, test)
