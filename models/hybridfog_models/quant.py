"""Quantized building blocks for the edge partition (XNOR-Net style).

Binarization follows Rastegari et al., "XNOR-Net" (ECCV 2016) as used by
Long, Chakraborty, Roy (arXiv 2005.10851):
  * weights: sign(W) * alpha, alpha = mean |W| per output channel;
  * activations: sign(x), with the straight-through estimator clipped at |x| <= 1.

sign() here maps 0 to +1 so that every binary tensor holds exactly {-1, +1};
the runtime bit-packs those features (1 bit per element) and a zero would not
survive the round trip.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class _BinarizeSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x.abs() <= 1).to(grad.dtype)


def binarize(x):
    """{-1,+1} binarization; straight-through gradient while training."""
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))
    return _BinarizeSTE.apply(x)


class BinaryActivation(nn.Module):
    hf_bits = 1

    def forward(self, x):
        return binarize(x)


def _uniform_quantize(x, bits):
    """k-bit uniform quantization of x in [0, 1] (DoReFa-Net, Zhou et al. 2016)."""
    levels = float(2 ** bits - 1)
    q = torch.round(x * levels) / levels
    if not x.requires_grad or torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        # inference and export: exactly q (x + (q - x) can be off the grid by an ulp, and exports an Add/Sub)
        return q
    return x + (q - x).detach()


class QuantActivation(nn.Module):
    """k-bit activation: binary for k = 1, else clip to [0, 1] and quantize uniformly."""

    def __init__(self, bits):
        super().__init__()
        self.hf_bits = bits

    def forward(self, x):
        if self.hf_bits == 1:
            return binarize(x)
        return _uniform_quantize(torch.clamp(x, 0.0, 1.0), self.hf_bits)


class QuantConv2d(nn.Conv2d):
    """Convolution with k-bit weights; k = 1 gives XNOR-Net's sign(W) * alpha.

    Call freeze() before ONNX export: it replaces the float weights by their
    quantized values so the exported graph carries constants (+-alpha for
    k = 1), not the Sign/Abs/ReduceMean of the weights.
    """

    def __init__(self, *args, bits=1, **kwargs):
        kwargs.setdefault("bias", False)
        super().__init__(*args, **kwargs)
        self.hf_bits = bits
        self.frozen = False

    def _quantize(self, w):
        if self.hf_bits == 1:
            alpha = w.abs().mean(dim=(1, 2, 3), keepdim=True)
            wq = torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w)) * alpha
        else:
            # DoReFa weight quantization to k bits, scaled back by max |W| per channel.
            scale = w.abs().amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-8)
            wn = w / scale * 0.5 + 0.5
            levels = float(2 ** self.hf_bits - 1)
            wq = (torch.round(wn * levels) / levels - 0.5) * 2.0 * scale
        return wq

    def quantized_weight(self):
        """Quantized weights with a straight-through gradient to the float weights."""
        w = self.weight
        return w + (self._quantize(w) - w).detach()

    def freeze(self):
        # exact quantized values (w + (wq - w) is not bit-exact wq in float arithmetic)
        with torch.no_grad():
            self.weight.copy_(self._quantize(self.weight))
        self.frozen = True

    def forward(self, x):
        w = self.weight if self.frozen else self.quantized_weight()
        return F.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


def freeze_quantized(module):
    for m in module.modules():
        if isinstance(m, QuantConv2d):
            m.freeze()
