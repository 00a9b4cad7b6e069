"""Exports the partitions of an exported variant again from its trained weights, in another form or version,
without training, calibrating or evaluating: `models/export-variant.py`.

The network is rebuilt from the variant's metrics.json (arch, cut, edge_bits, and the training keys exit_pool,
shortcuts, exit_blocks, exit_bits), the weights are loaded from a `{"edge": ..., "cloud": ...}` file (train.py's
<build>/<variant>/hybrid.pt, or models/<name>/resume/*-hybrid-<version>.pt), frozen as train.py freezes them, and
exported with the metadata documents of the variant's own edge.onnx and cloud.onnx (only `version` changes, with
--version). metrics.json and reference-predictions.csv are copied (metrics.json with the new version and the form);
the exit threshold, labels, normalization and MACs stay those of the variant.
"""
import argparse
import json
import os
import shutil

import onnx
from onnx import numpy_helper
import torch

from .artifacts import write_json
from .export import FORMS, export_partition
from .loop import load_checkpoint
from .quant import freeze_quantized
from .resnet import ARCHS, HybridCloud, HybridEdge, parse_cut


def _metadata(path):
    for entry in onnx.load(path).metadata_props:
        if entry.key == "hybridfog":
            return json.loads(entry.value)
    raise RuntimeError(f"{path}: no hybridfog metadata")


def rebuild(metrics, meta, weights):
    """HybridEdge and HybridCloud of a variant, with its weights, frozen, in eval mode."""
    t = metrics.get("training", {})
    arch = metrics.get("arch", "resnet32")
    depth, classes, channels = ARCHS[arch], len(meta["labels"]), meta["input"]["shape"][0]
    cut = parse_cut(metrics["cut"], depth)
    edge = HybridEdge(cut, metrics["edge_bits"], classes, exit_pool=t.get("exit_pool", 1),
                      shortcuts=t.get("shortcuts", "block"), exit_blocks=t.get("exit_blocks", 0),
                      exit_bits=t.get("exit_bits"), depth=depth, in_channels=channels)
    cloud = HybridCloud(cut, classes, depth=depth)
    state = load_checkpoint(weights)
    edge.load_state_dict(state["edge"])
    cloud.load_state_dict(state["cloud"])
    freeze_quantized(edge)
    edge.eval(); cloud.eval()
    return edge, cloud


def reexport(variant, weights, out, form="integer", version=None):
    """Writes <out>/edge.onnx, cloud.onnx, metrics.json, reference-predictions.csv; returns the metrics written."""
    with open(os.path.join(variant, "metrics.json")) as f:
        metrics = json.load(f)
    edge_meta = _metadata(os.path.join(variant, "edge.onnx"))
    cloud_meta = _metadata(os.path.join(variant, "cloud.onnx"))
    edge, cloud = rebuild(metrics, edge_meta, weights)
    version = version or metrics["version"]
    os.makedirs(out, exist_ok=True)
    example = torch.zeros([2] + list(edge_meta["input"]["shape"]))
    with torch.no_grad():
        _, feats = edge(example)
    export_partition(edge, example, os.path.join(out, "edge.onnx"), ["image"], ["exit_logits", "features"],
                     dict(edge_meta, version=version), form=form)
    export_partition(cloud, feats, os.path.join(out, "cloud.onnx"), ["features"], ["logits"],
                     dict(cloud_meta, version=version))
    shutil.copyfile(os.path.join(variant, "reference-predictions.csv"), os.path.join(out, "reference-predictions.csv"))
    if version != metrics["version"]:
        metrics["exported_from"] = {"version": metrics["version"], "weights": weights}
    metrics["version"] = version
    metrics["export_form"] = form
    write_json(os.path.join(out, "metrics.json"), metrics)
    return metrics


def same_weights(a, b):
    """True when two ONNX files hold the same initializers and constants (names aside) and the same ops."""
    def content(path):
        m = onnx.load(path)
        arrays = [numpy_helper.to_array(i) for i in m.graph.initializer]
        arrays += [numpy_helper.to_array(a.t) for n in m.graph.node if n.op_type == "Constant"
                   for a in n.attribute if a.name == "value"]
        return sorted(n.op_type for n in m.graph.node), sorted((x.shape, x.dtype.str, x.tobytes()) for x in arrays)
    return content(a) == content(b)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="models/export-variant.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variant", help="folder of the exported variant (edge.onnx, cloud.onnx, metrics.json, "
                                    "reference-predictions.csv), e.g. models/cifar10/s2b3-b1")
    ap.add_argument("--weights", required=True, help='its trained weights ({"edge", "cloud"} state dicts)')
    ap.add_argument("--out", required=True, help="folder to write (may be the variant's own)")
    ap.add_argument("--form", choices=FORMS, default="integer",
                    help="quantized edge layers as float32 Conv (float) or as ConvInteger (integer; default)")
    ap.add_argument("--version", help="model version to write (default: the variant's)")
    ap.add_argument("--check-float", action="store_true",
                    help="first export the float form to a temporary folder and check that it has the variant's "
                         "own edge.onnx weights and ops (the weights file is the variant's)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.check_float:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            reexport(args.variant, args.weights, tmp, form="float")
            for part in ("edge.onnx", "cloud.onnx"):
                if not same_weights(os.path.join(tmp, part), os.path.join(args.variant, part)):
                    raise SystemExit(f"{args.weights}: the float export's {part} differs from {args.variant}'s")
            print(f"float export of {args.weights} has the weights and ops of {args.variant}", flush=True)
    metrics = reexport(args.variant, args.weights, args.out, args.form, args.version)
    print(f"exported {metrics['model']} {metrics['version']} ({args.form}) to {args.out}")


if __name__ == "__main__":
    main()
