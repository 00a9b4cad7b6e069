"""ONNX export of edge/cloud partitions with HybridFog metadata.

The runtime reads one JSON document stored under the metadata key
`hybridfog` in each partition file (see docs/model-format.md).
"""
import inspect
import json

import onnx
import torch

OPSET = 13  # exported by torch 1.13 and 2.x alike; ONNX Runtime 1.29 runs it


def export_partition(module, example, path, input_names, output_names, metadata):
    module.eval()
    dynamic = {n: {0: "batch"} for n in list(input_names) + list(output_names)}
    kwargs = dict(input_names=list(input_names), output_names=list(output_names),
                  dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # torch >= 2.5: keep the TorchScript exporter (stable names, opset 13)
    with torch.no_grad():
        torch.onnx.export(module, example, path, **kwargs)
    model = onnx.load(path)
    entry = model.metadata_props.add()
    entry.key = "hybridfog"
    entry.value = json.dumps(metadata, sort_keys=True)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    _assert_no_weight_binarization(model, path)


def _assert_no_weight_binarization(model, path):
    """Frozen weights must be constants: no Sign/Abs/ReduceMean on initializers."""
    inits = {i.name for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type in ("Sign", "Abs", "ReduceMean") and any(i in inits for i in node.input):
            raise RuntimeError(f"{path}: weight quantization was not frozen ({node.op_type} on {node.input})")
