"""Quantized building blocks for the edge partition (XNOR-Net style).

Binarization follows Rastegari et al., "XNOR-Net" (ECCV 2016) as used by
Long, Chakraborty, Roy (arXiv 2005.10851):
  * weights: sign(W) * alpha, alpha = mean |W| per output channel;
  * activations: sign(x), with the straight-through estimator clipped at |x| <= 1.

sign() here maps 0 to +1 so that every binary tensor holds exactly {-1, +1};
the runtime bit-packs those features (1 bit per element) and a zero would not
survive the round trip.
"""
import contextlib

import numpy as np
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


# --- integer ONNX export ---------------------------------------------------------------------------------------------
# The quantized values of the edge are integers times a scale, so ONNX Runtime can run the quantized convolutions in
# integer arithmetic (ConvInteger: uint8 x uint8 -> int32, MLAS integer GEMM) with the same quantization levels:
#   * binary activation sign(x) in {-1, +1}: uint8 {0, 2}, zero point 1 (q - 1 = sign(x));
#   * k-bit activation round(clamp(x, 0, 1) * L) / L, L = 2^k - 1: uint8 q in [0, L], zero point 0, scale 1/L;
#   * binary weight sign(W) * alpha_c: uint8 {0, 2}, zero point 1, scale alpha_c per output channel;
#   * k-bit weight (2i / L - 1) * s_c, i in [0, L]: uint8 2i in [0, 2L], zero point L, scale s_c / L per channel.
# Padding: ConvInteger pads with the input zero point, i.e. a real 0, as the float Conv does. The int32 sums are
# exact; Cast + Mul by the per-channel product of both scales gives the float convolution's output (to float32
# rounding: the float graph rounds every partial sum, the integer one only the final product).


def _uint8_const(g, values):
    return g.op("Constant", value_t=torch.tensor(values, dtype=torch.uint8))


def _float_const(g, values):
    return g.op("Constant", value_t=torch.tensor(values, dtype=torch.float32))


class _IntegerActivation(torch.autograd.Function):
    """Forward: the float activation (what tracing sees); ONNX: the uint8 codes described above."""

    @staticmethod
    def forward(ctx, x, bits):
        if bits == 1:
            return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))
        levels = float(2 ** bits - 1)
        return torch.round(torch.clamp(x, 0.0, 1.0) * levels) / levels

    @staticmethod
    def symbolic(g, x, bits):
        if bits == 1:
            return g.op("Where", g.op("GreaterOrEqual", x, _float_const(g, 0.0)), _uint8_const(g, 2),
                        _uint8_const(g, 0))
        levels = float(2 ** bits - 1)
        clipped = g.op("Clip", x, _float_const(g, 0.0), _float_const(g, 1.0))
        # QuantizeLinear with scale 1: round half to even (as torch.round) of clamp(x) * L, saturated to uint8
        return g.op("QuantizeLinear", g.op("Mul", clipped, _float_const(g, levels)), _float_const(g, 1.0),
                    _uint8_const(g, 0))


class _ThresholdSign(torch.autograd.Function):
    """sign(BN(x)) of a binary activation behind its batch norm. Forward: the float result (what tracing sees).
    ONNX: uint8 codes Where(GreaterOrEqual(x, t), 2, 0) with t the per-channel threshold of BatchNormFold: one
    comparison instead of the batch norm and the comparison."""

    @staticmethod
    def forward(ctx, x, fold):
        y = F.batch_norm(x, fold.mean, fold.var, fold.weight, fold.bias, False, 0.0, fold.eps)
        return torch.where(y >= 0, torch.ones_like(y), -torch.ones_like(y))

    @staticmethod
    def symbolic(g, x, fold):
        t = g.op("Constant", value_t=torch.from_numpy(fold.threshold.reshape(1, -1, 1, 1)))
        return g.op("Where", g.op("GreaterOrEqual", x, t), _uint8_const(g, 2), _uint8_const(g, 0))


class _KBitQuantize(torch.autograd.Function):
    """round(clamp(BN(x), 0, 1) * L) of a k-bit activation behind its batch norm (L = 2^k - 1). Forward: the float
    activation (what tracing sees). ONNX: the uint8 code q in [0, L] as Clip(QuantizeLinear(x + b / a, 1 / (L a),
    axis 1), 0, L): L (a x + b) = L a (x + b / a), rounded half to even as torch.round, saturated at 0 by the uint8
    and at L by the Clip; three ops instead of the batch norm, a float clip, a multiply and the quantization."""

    @staticmethod
    def forward(ctx, x, fold):
        y = F.batch_norm(x, fold.mean, fold.var, fold.weight, fold.bias, False, 0.0, fold.eps)
        levels = float(fold.levels)
        return torch.round(torch.clamp(y, 0.0, 1.0) * levels) / levels

    @staticmethod
    def symbolic(g, x, fold):
        shifted = g.op("Add", x, g.op("Constant", value_t=torch.from_numpy(fold.offset.reshape(1, -1, 1, 1))))
        codes = g.op("QuantizeLinear", shifted, g.op("Constant", value_t=torch.from_numpy(fold.scale)),
                     g.op("Constant", value_t=torch.zeros(len(fold.scale), dtype=torch.uint8)), axis_i=1)
        return g.op("Clip", codes, _uint8_const(g, 0), _uint8_const(g, fold.levels))


class BatchNormFold:
    """An inference batch norm y = a x + b per channel (a = gamma / sqrt(var + eps), b = beta - mean a, float64) in
    front of a quantized activation, for the integer export:
    * binary: sign(y) (0 -> +1) as the comparison x >= threshold, threshold = -b / a. For a < 0 the comparison is
      reversed: the export compares x >= -b / a all the same and `flip` = -1 tells the next convolution to negate
      that input channel's weights (equal except where x == threshold exactly). For a = 0, sign(y) is the constant
      sign(b): threshold -inf or +inf;
    * k-bit: offset b / a and scale 1 / (L a) of _KBitQuantize; only when every a > 0 (`usable`)."""

    def __init__(self, bn, bits):
        self.mean, self.var = bn.running_mean.detach().clone(), bn.running_var.detach().clone()
        self.weight, self.bias, self.eps = bn.weight.detach().clone(), bn.bias.detach().clone(), bn.eps
        self.bits, self.levels = bits, 2 ** bits - 1
        gamma, beta = self.weight.double().numpy(), self.bias.double().numpy()
        a = gamma / np.sqrt(self.var.double().numpy() + self.eps)
        b = beta - self.mean.double().numpy() * a
        safe = np.where(a != 0, a, 1.0)
        if bits == 1:
            self.threshold = np.where(a != 0, -b / safe, np.where(b >= 0, -np.inf, np.inf)).astype(np.float32)
            self.flip = np.where(a < 0, -1, 1).astype(np.int16)
            self.usable = True
        else:
            self.offset = (b / safe).astype(np.float32)
            self.scale = (1.0 / (self.levels * safe)).astype(np.float32)
            self.usable = bool((a > 0).all())


def quantized_activation(bn, act, x):
    """act(bn(x)) of a quantized block. In an integer export the batch norm folds into the activation's integer
    codes (BatchNormFold): a binary act becomes one threshold comparison (_ThresholdSign), whose flipped channels
    the next convolution's export folds into its weights; a k-bit act one shift and quantization (_KBitQuantize)."""
    fold = getattr(act, "hf_bn_fold", None)
    if fold is not None and _integer_exporting(act):
        return (_ThresholdSign if fold.bits == 1 else _KBitQuantize).apply(x, fold)
    return act(bn(x))


class IntegerConvSpec:
    """A frozen QuantConv2d as integers: uint8 weights (out, in, kh, kw), zero points of input and weights, and the
    float32 per-output-channel scale of the int32 sums (weight scale x activation scale)."""

    def __init__(self, conv, input_flip=None):
        if not conv.frozen:
            raise RuntimeError("integer export needs frozen quantized weights (freeze_quantized)")
        if conv.bias is not None or conv.groups != 1:
            raise RuntimeError("integer export supports quantized convolutions without bias or groups")
        w = conv.weight.detach().double().cpu().numpy()
        out = w.shape[0]
        if conv.hf_bits == 1:
            alpha = np.abs(w).reshape(out, -1).max(1)
            codes = np.where(w >= 0, 2, 0)
            weight_zero, weight_scale = 1, alpha
            input_zero, input_scale = 1, 1.0
        else:
            levels = 2 ** conv.hf_bits - 1
            s = np.abs(w).reshape(out, -1).max(1)
            odd = w / np.where(s > 0, s, 1.0)[:, None, None, None] * levels  # 2i - L, an odd integer
            codes = np.rint(odd) + levels
            if np.abs(odd - np.rint(odd)).max() > 1e-4 or codes.min() < 0 or codes.max() > 2 * levels:
                raise RuntimeError("weights are not on the k-bit grid: freeze_quantized first")
            weight_zero, weight_scale = levels, s / levels
            input_zero, input_scale = 0, 1.0 / levels
        rebuilt = (codes - weight_zero) * weight_scale[:, None, None, None]
        if not np.allclose(rebuilt, w, rtol=1e-6, atol=0):
            raise RuntimeError("integer weights do not reproduce the frozen weights")
        self.codes = codes.astype(np.uint8)
        self.bits = conv.hf_bits
        # -1 where the input channel's binary activation is exported reversed (BinaryThreshold.flip)
        self.input_flip = np.ones(w.shape[1], np.int16) if input_flip is None else input_flip
        self.weight_zero, self.input_zero = weight_zero, input_zero
        self.scale = (weight_scale * input_scale).astype(np.float32).reshape(1, out, 1, 1)
        self.kernel = list(conv.kernel_size)
        self.stride, self.padding, self.dilation = list(conv.stride), list(conv.padding), list(conv.dilation)


# Largest input-channel group of a binary convolution run as one QLinearConv. Its int32 sum over g channels x 3 x 3
# taps of +-1 products is an even number in [-9g, 9g] when g is even (a padded tap adds 0); the QLinearConv writes
# sum / 2 as uint8 around zero point 128, which holds every sum in [-256, 254]. g <= 28 (9g <= 252) is exact for any
# input; g = 32, the width of a CIFAR ResNet's second stage, is exact unless at least 272 of the 288 products agree
# (|sum| >= 256), where the sum saturates at +-254/256. One group instead of two ran the CIFAR-10 s2b3-b1 edge in
# 0.80x the time, and its largest |sum| over 15,000 CIFAR-10 images (test.zip and 10,000 of train.zip) was 160
# (docs/benchmarks.md); the contract test compares the decisions with PyTorch's.
BINARY_GROUP_MAX = 32


def _binary_groups(channels, taps):
    """Input-channel group size g: even, divides channels, at most BINARY_GROUP_MAX, taps * g / 2 <= 144."""
    for g in range(min(channels, BINARY_GROUP_MAX, 2 * 144 // taps), 0, -1):
        if channels % g == 0 and g % 2 == 0:
            return g
    raise RuntimeError(f"no even input-channel group of {channels} channels fits an 8-bit sum")


def integer_onnx_convolutions(conv):
    """How many ONNX convolutions the integer export writes for a QuantConv2d (ConvInteger, or QDQ Conv groups)."""
    if conv.hf_bits != 1:
        return 1
    return 1


class _IntegerConv(torch.autograd.Function):
    """Forward: the float convolution of the frozen weights (what tracing sees). ONNX:
    * binary: per input-channel group, DequantizeLinear(codes) -> Conv(DequantizeLinear(int8 +-1 weights)) ->
      QuantizeLinear(scale 2, zero point 128) -> DequantizeLinear, which ONNX Runtime fuses into QLinearConv (uint8 x
      int8, exact within the range BINARY_GROUP_MAX states); the groups' sums added, times alpha per output channel;
    * k-bit: ConvInteger (uint8 x uint8 -> int32) -> Cast -> Mul by the per-channel scale (a k-bit sum has no exact
      8-bit form, which QLinearConv's output needs)."""

    @staticmethod
    def forward(ctx, x, weight, spec):
        y = F.conv2d(x, weight, None, spec.stride, spec.padding, spec.dilation)
        return y

    @staticmethod
    def symbolic(g, x, weight, spec):
        producer = x.node().kind()
        if producer not in ("onnx::Where", "onnx::QuantizeLinear", "onnx::Clip"):
            raise RuntimeError(f"integer convolution fed by {producer}, not by an integer activation")
        attrs = dict(kernel_shape_i=spec.kernel, strides_i=spec.stride, dilations_i=spec.dilation,
                     pads_i=spec.padding + spec.padding, group_i=1)
        if spec.bits != 1:
            scale = g.op("Constant", value_t=torch.from_numpy(spec.scale))
            acc = g.op("ConvInteger", x, g.op("Constant", value_t=torch.from_numpy(spec.codes)),
                       _uint8_const(g, spec.input_zero), _uint8_const(g, spec.weight_zero), **attrs)
            return g.op("Mul", g.op("Cast", acc, to_i=1), scale)
        signs = (spec.codes.astype(np.int16) - spec.weight_zero) * spec.input_flip[None, :, None, None]  # +-1
        out, channels = signs.shape[:2]
        size = _binary_groups(channels, spec.kernel[0] * spec.kernel[1])
        groups = channels // size
        one, two = _float_const(g, 1.0), _float_const(g, 2.0)
        # one grouped convolution: group j sees input channels [j*size, (j+1)*size) and writes all `out` channels'
        # partial sums over them, i.e. weights (groups*out, size, kh, kw) = the input-channel slices stacked
        stacked = np.concatenate([signs[:, j * size:(j + 1) * size] for j in range(groups)], axis=0)
        xf = g.op("DequantizeLinear", x, one, _uint8_const(g, spec.input_zero))
        wf = g.op("DequantizeLinear", g.op("Constant", value_t=torch.from_numpy(stacked.astype(np.int8))), one,
                  g.op("Constant", value_t=torch.tensor(0, dtype=torch.int8)))
        half = g.op("QuantizeLinear", g.op("Conv", xf, wf, **dict(attrs, group_i=groups)), two, _uint8_const(g, 128))
        # (q - 128) * 2 = the group's sum; times alpha per output channel in the same DequantizeLinear
        alpha2 = np.tile(2.0 * spec.scale.reshape(-1), groups).astype(np.float32)
        partial = g.op("DequantizeLinear", half, g.op("Constant", value_t=torch.from_numpy(alpha2)),
                       g.op("Constant", value_t=torch.full((len(alpha2),), 128, dtype=torch.uint8)), axis_i=1)
        if groups > 1:  # add the groups' partial sums (Split + Add keeps the shapes known to shape inference)
            parts = g.op("Split", partial, g.op("Constant", value_t=torch.tensor([out] * groups, dtype=torch.int64)),
                         axis_i=1, outputs=groups)
            partial = parts[0]
            for p in parts[1:]:
                partial = g.op("Add", partial, p)
        return partial


@contextlib.contextmanager
def integer_export(module):
    """Within the block, an ONNX export of `module` writes its quantized activations and convolutions as integer
    ops (see above) instead of float ones; eager execution is unchanged. Needs frozen weights."""
    quantized = [m for m in module.modules() if isinstance(m, (QuantActivation, QuantConv2d))]
    flips = {}
    for block in module.modules():
        for bn, act, conv in getattr(block, "quantized_layers", lambda: ())():
            fold = BatchNormFold(bn, act.hf_bits)
            if fold.usable:
                act.hf_bn_fold = fold
                if act.hf_bits == 1:
                    flips[conv] = fold.flip
    for m in quantized:
        if isinstance(m, QuantConv2d):
            m.hf_integer_spec = IntegerConvSpec(m, flips.get(m))
        m.hf_integer = True
    try:
        yield module
    finally:
        for m in quantized:
            m.hf_integer = False
            m.hf_integer_spec = None
            m.hf_bn_fold = None


def _integer_exporting(m):
    return getattr(m, "hf_integer", False) and torch.onnx.is_in_onnx_export()


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
        if _integer_exporting(self):
            return _IntegerActivation.apply(x, self.hf_bits)
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
        if _integer_exporting(self):
            return _IntegerConv.apply(x, self.weight, self.hf_integer_spec)
        w = self.weight if self.frozen else self.quantized_weight()
        return F.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


def freeze_quantized(module):
    for m in module.modules():
        if isinstance(m, QuantConv2d):
            m.freeze()
