"""ONNX export of edge/cloud partitions with HybridFog metadata.

The runtime reads one JSON document stored under the metadata key
`hybridfog` in each partition file (see docs/model-format.md).
"""
import inspect
import json

import contextlib

import onnx
import torch

from .quant import QuantConv2d, integer_export, integer_onnx_convolutions

OPSET = 13  # exported by torch 1.13 and 2.x alike; ONNX Runtime 1.29 runs it
FORMS = ("float", "integer")


def export_partition(module, example, path, input_names, output_names, metadata, form="float"):
    """form "float": quantized layers as float32 Conv of their quantized values; "integer": as ConvInteger of uint8
    codes (quant.integer_export), which ONNX Runtime runs in integer arithmetic. Same quantization levels."""
    if form not in FORMS:
        raise ValueError(f"export form must be one of {FORMS}, got {form!r}")
    module.eval()
    dynamic = {n: {0: "batch"} for n in list(input_names) + list(output_names)}
    kwargs = dict(input_names=list(input_names), output_names=list(output_names),
                  dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # torch >= 2.5: keep the TorchScript exporter (stable names, opset 13)
    quantized = any(isinstance(m, QuantConv2d) for m in module.modules())
    with torch.no_grad(), (integer_export(module) if form == "integer" else contextlib.nullcontext()):
        torch.onnx.export(module, example, path, **kwargs)
    model = onnx.load(path)
    _drop_unused(model)
    entry = model.metadata_props.add()
    entry.key = "hybridfog"
    entry.value = json.dumps(metadata, sort_keys=True)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    _assert_no_weight_binarization(model, path)
    if form == "integer" and quantized:
        _assert_integer_convolutions(model, path, sum(integer_onnx_convolutions(m) for m in module.modules()
                                                      if isinstance(m, QuantConv2d)))


def _drop_unused(model):
    """Removes Constant nodes and initializers nothing reads (the float weights an integer symbolic replaced by its
    own constants), which ONNX Runtime would warn about at every load."""
    graph = model.graph
    while True:
        read = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
        dead = [n for n in graph.node if n.op_type == "Constant" and n.output[0] not in read]
        for n in dead:
            graph.node.remove(n)
        if not dead:
            break
    read = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
    for init in [i for i in graph.initializer if i.name not in read]:
        graph.initializer.remove(init)


def _assert_integer_convolutions(model, path, expected):
    """Every quantized convolution became integer ops: a ConvInteger, or QDQ convolutions (a Conv whose input and
    weights come from DequantizeLinear, one per input-channel group; quant._IntegerConv)."""
    produced = {o: n for n in model.graph.node for o in n.output}
    found = sum(node.op_type == "ConvInteger" or (
        node.op_type == "Conv" and all(i in produced and produced[i].op_type == "DequantizeLinear"
                                       for i in node.input[:2])) for node in model.graph.node)
    if found != expected:
        raise RuntimeError(f"{path}: {found} integer convolutions where the quantized layers make {expected}")


def _assert_no_weight_binarization(model, path):
    """Frozen weights must be constants: no Sign/Abs/ReduceMean on initializers."""
    inits = {i.name for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type in ("Sign", "Abs", "ReduceMean") and any(i in inits for i in node.input):
            raise RuntimeError(f"{path}: weight quantization was not frozen ({node.op_type} on {node.input})")
