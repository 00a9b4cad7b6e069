"""Counts multiply-accumulate operations (MACs) per bit-width with forward hooks.

A convolution's MACs = output elements x (input channels / groups) x kernel area;
a linear layer's MACs = in_features x out_features (per sample). The bit-width of
a layer is its `hf_bits` attribute (QuantConv2d), 32 (full precision) otherwise.
"""
import collections

import torch
import torch.nn as nn


def count_macs(module, example_input):
    """Returns {bits: MACs per sample} for one forward pass of `module` on a batch of 1."""
    totals = collections.Counter()
    hooks = []

    def hook(m, inputs, output):
        out = output
        if isinstance(m, nn.Conv2d):
            per_out = (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
            macs = out[0].numel() * per_out
        else:
            macs = m.in_features * m.out_features
        totals[int(getattr(m, "hf_bits", 32))] += int(macs)

    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            hooks.append(m.register_forward_hook(hook))
    was_training = module.training
    module.eval()
    with torch.no_grad():
        module(example_input[:1])
    module.train(was_training)
    for h in hooks:
        h.remove()
    return dict(totals)
