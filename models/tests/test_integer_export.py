"""The integer ONNX export of a tiny hybrid (export form "integer", hybridfog_models.quant.integer_export): binary
convolutions as QDQ Conv groups (ONNX Runtime fuses them into QLinearConv), k-bit ones as ConvInteger, each
activation's batch norm folded into its integer codes (a threshold comparison, a shift and quantization), with the
quantization levels of the float export. ONNX Runtime is not available to Python here, so the integer math of the
exported graph (its codes, zero points, scales, groups and 8-bit requantization) is evaluated in numpy and compared
with the float export's weights and with PyTorch's convolution; the Java contract test runs the real thing.

    /usr/bin/python3 -m unittest discover -s models/tests -p test_integer_export.py -v
"""
import os
import sys
import tempfile
import unittest
import warnings

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from hybridfog_models.export import export_partition  # noqa: E402
from hybridfog_models.quant import BatchNormFold, QuantConv2d, freeze_quantized  # noqa: E402
from hybridfog_models.resnet import HybridEdge  # noqa: E402


def _values(model):
    """name -> numpy array of every initializer and Constant output."""
    out = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant":
            out[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    return out


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _int_conv(x, w, stride, pad, groups=1):
    """Exact integer convolution (int64) of NCHW x and (out, in/groups, kh, kw) w, zero padding."""
    return F.conv2d(torch.from_numpy(x.astype(np.float64)), torch.from_numpy(w.astype(np.float64)), None, stride,
                    pad, 1, groups).numpy().round().astype(np.int64)


class IntegerExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        # binary backbone (16 and 32 channels: one and two input-channel groups), 4-bit exit branch (64 channels)
        cls.edge = HybridEdge(4, 1, 10, exit_pool=2, shortcuts="conv", exit_blocks=1, exit_bits=4, depth=20)
        with torch.no_grad():  # batch-norm statistics that put activations on both sides of the thresholds
            for m in cls.edge.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 2.0)
                    m.bias.uniform_(0.0, 0.5)
            # negative batch-norm scales: a reversed binary threshold (its channel's weights negated in the next
            # convolution) and a k-bit activation whose batch norm cannot fold (exported unfolded)
            cls.edge.blocks[0].bn1.weight[[0, 5]] *= -1
            cls.edge.blocks[3].bn2.weight[7] *= -1
            cls.edge.exit_branch[0].bn2.weight[3] *= -1
        freeze_quantized(cls.edge)
        cls.edge.eval()
        cls.tmp = tempfile.TemporaryDirectory()
        example = torch.randn(2, 3, 16, 16)
        cls.models = {}
        for form in ("float", "integer"):
            path = os.path.join(cls.tmp.name, f"edge-{form}.onnx")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                export_partition(cls.edge, example, path, ["image"], ["exit_logits", "features"], {"m": 1}, form=form)
            cls.models[form] = onnx.load(path)
        cls.quantized = [m for m in cls.edge.modules() if isinstance(m, QuantConv2d)]
        # the batch norm and activation in front of each quantized convolution
        cls.before = {conv: (bn, act) for block in cls.edge.modules()
                      for bn, act, conv in getattr(block, "quantized_layers", lambda: ())()}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def ops(self, form):
        return [n.op_type for n in self.models[form].graph.node]

    def test_integer_ops_replace_the_float_convolutions(self):
        ops = self.ops("integer")
        binary = sum(m.hf_bits == 1 for m in self.quantized)
        kbit = len(self.quantized) - binary
        self.assertEqual(kbit, ops.count("ConvInteger"))
        produced = {o: n for n in self.models["integer"].graph.node for o in n.output}
        qdq = [n for n in self.models["integer"].graph.node if n.op_type == "Conv"
               and all(produced.get(i) is not None and produced[i].op_type == "DequantizeLinear" for i in n.input[:2])]
        self.assertEqual(binary, len(qdq))
        # every QDQ convolution writes a QuantizeLinear (so ONNX Runtime fuses DQ -> Conv -> Q into QLinearConv)
        consumers = {i: n for n in self.models["integer"].graph.node for i in n.input}
        self.assertTrue(all(consumers[c.output[0]].op_type == "QuantizeLinear" for c in qdq))
        # the float convolutions left are the full-precision ones (conv1, 1x1 shortcuts)
        full = sum(isinstance(m, torch.nn.Conv2d) and not isinstance(m, QuantConv2d) for m in self.edge.modules())
        self.assertEqual(full + binary, ops.count("Conv"))
        self.assertEqual(self.ops("float").count("Conv"), full + len(self.quantized))
        # graph interface unchanged: same inputs and outputs, float32
        for a, b in zip(self.models["float"].graph.output, self.models["integer"].graph.output):
            self.assertEqual(a.name, b.name)
            self.assertEqual(onnx.TensorProto.FLOAT, b.type.tensor_type.elem_type)

    def test_same_quantization_levels_and_exact_integer_math(self):
        """For every quantized convolution, in graph order: the integer graph's weights (codes, zero points,
        scales) equal the float export's weights, and its integer math on real activation codes (QLinearConv's
        8-bit requantization included) gives PyTorch's convolution of the quantized values."""
        model = self.models["integer"]
        values = _values(model)
        produced = {o: n for n in model.graph.node for o in n.output}
        consumers = {}
        for n in model.graph.node:
            for i in n.input:
                consumers.setdefault(i, []).append(n)
        float_weights = [m.weight.detach().numpy() for m in self.quantized]
        rng = np.random.RandomState(0)
        k = 0
        for node in model.graph.node:
            if node.op_type == "ConvInteger":
                conv = self.quantized[k]
                levels = 2 ** conv.hf_bits - 1
                codes, x_zero, w_zero = (values[node.input[1]].astype(np.int64), int(values[node.input[2]]),
                                         int(values[node.input[3]]))
                mul = consumers[consumers[node.output[0]][0].output[0]][0]
                scale = values[mul.input[1]].reshape(-1)
                self.assertEqual(0, x_zero)
                # weights: (codes - zero) * scale * L (activation scale 1/L folded in) = the float export's weights
                np.testing.assert_allclose((codes - w_zero) * (scale * levels)[:, None, None, None],
                                           float_weights[k], rtol=2e-6)
                # activation codes round(clamp(x) * L): the float export's levels q / L
                a = _attrs(node)
                x = rng.randint(0, levels + 1, (2, codes.shape[1], 8, 8))
                acc = _int_conv(x, codes - w_zero, a["strides"], a["pads"][:2])
                ref = F.conv2d(torch.from_numpy(x / levels).float(), torch.from_numpy(float_weights[k]), None,
                               a["strides"], a["pads"][:2]).numpy()
                np.testing.assert_allclose(acc * scale[None, :, None, None], ref, rtol=1e-4, atol=1e-5)
                k += 1
            elif node.op_type == "Conv" and produced.get(node.input[0]) is not None \
                    and produced[node.input[0]].op_type == "DequantizeLinear":
                conv = self.quantized[k]
                self.assertEqual(1, conv.hf_bits)
                x_dq, w_dq = produced[node.input[0]], produced[node.input[1]]
                self.assertEqual(1, int(values[x_dq.input[2]]))  # codes {0, 2}, zero point 1
                self.assertEqual(1.0, float(values[x_dq.input[1]]))
                self.assertEqual("Where", produced[x_dq.input[0]].op_type)
                # an input channel whose threshold is reversed (batch-norm scale < 0) has its weights negated
                flip = BatchNormFold(self.before[conv][0], 1).flip.astype(np.int64)
                signs = values[w_dq.input[0]].astype(np.int64)
                self.assertEqual(np.int8, values[w_dq.input[0]].dtype)
                self.assertEqual({-1, 1}, set(np.unique(signs)))
                a = _attrs(node)
                groups = a.get("group", 1)
                out, size = conv.out_channels, signs.shape[1]
                self.assertEqual(conv.in_channels, groups * size)
                self.assertLessEqual(size, 32)  # exact for |sum| <= 254 (quant.BINARY_GROUP_MAX)
                q = consumers[node.output[0]][0]
                self.assertEqual("QuantizeLinear", q.op_type)
                self.assertEqual((2.0, 128), (float(values[q.input[1]]), int(values[q.input[2]])))
                dq = consumers[q.output[0]][0]
                alpha2, zero = values[dq.input[1]].reshape(groups, out), values[dq.input[2]]
                self.assertTrue((zero == 128).all())
                alpha = alpha2[0] / 2
                # group j's weights are input channels [j*size, (j+1)*size) of the float export's sign(W) * alpha
                full = np.concatenate([signs[j * out:(j + 1) * out] for j in range(groups)], axis=1)
                np.testing.assert_array_equal(full * flip[None, :, None, None] * alpha[:, None, None, None],
                                              float_weights[k])
                float_weights[k] = (float_weights[k] * flip[None, :, None, None]).astype(np.float32)  # as the codes see them
                # QLinearConv's integer math on sign codes: sum per group, requantized to uint8 (scale 2, zero
                # point 128, round half to even, saturated), dequantized with 2 alpha, groups added
                x = rng.choice([0, 2], (2, conv.in_channels, 8, 8))
                acc = _int_conv(x - 1, signs, a["strides"], a["pads"][:2], groups)
                requant = np.clip(np.rint(acc * 0.5) + 128, 0, 255)
                np.testing.assert_array_equal(requant, acc / 2 + 128)  # nothing rounded or saturated
                y = ((requant - 128).reshape(2, groups, out, *acc.shape[2:]) * alpha2.reshape(1, groups, out, 1, 1)
                     ).sum(1)
                ref = F.conv2d(torch.from_numpy(x - 1).float(), torch.from_numpy(float_weights[k]), None,
                               a["strides"], a["pads"][:2]).numpy()
                np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
                k += 1
        self.assertEqual(len(self.quantized), k)

    def test_activations_fold_their_batch_norm(self):
        """Each activation's codes from its input x, as the graph computes them, equal the float export's
        act(bn(x)): binary Where(x >= t, 2, 0) (uint8, zero point 1) times the channel's flip = sign(bn(x)) with
        sign(0) = +1; k-bit Clip(QuantizeLinear(x + offset, scale, axis 1), 0, L) = round(clamp(bn(x), 0, 1) * L),
        round half to even as torch.round. A k-bit batch norm with a negative scale stays unfolded."""
        model = self.models["integer"]
        values = _values(model)
        produced = {o: n for n in model.graph.node for o in n.output}
        consumer = {i: n for n in model.graph.node for i in n.input}
        # the graph's folded activations in graph order (= the blocks' order): thresholds, and shift/scale/clip
        thresholds = [values[n.input[1]] for n in model.graph.node if n.op_type == "GreaterOrEqual"]
        shifts = [(values[produced[n.input[0]].input[1]], values[n.input[1]], consumer[n.output[0]])
                  for n in model.graph.node if n.op_type == "QuantizeLinear" and _attrs(n).get("axis") == 1
                  and produced[n.input[0]].op_type == "Add"]
        rng = np.random.RandomState(1)
        binary = kbit = unfolded = 0
        for conv, (bn, act) in self.before.items():
            fold = BatchNormFold(bn, act.hf_bits)
            x = torch.from_numpy(rng.normal(0, 2, (4, bn.num_features, 6, 6)).astype(np.float32))
            with torch.no_grad():
                expected = act(bn(x)).numpy()
            if act.hf_bits == 1:
                t = thresholds[binary]
                self.assertEqual((1, bn.num_features, 1, 1), t.shape)
                codes = np.where(x.numpy() >= t, 2, 0)
                signs = (codes - 1) * fold.flip.reshape(1, -1, 1, 1)
                # a float32 rounding of the batch norm can only matter within a few ulps of the threshold
                near = np.abs(x.numpy() - t) < 1e-5
                np.testing.assert_array_equal(signs[~near], expected[~near])
                binary += 1
            elif fold.usable:
                offset, scale, clip = shifts[kbit]
                self.assertEqual("Clip", clip.op_type)
                low, high = int(values[clip.input[1]]), int(values[clip.input[2]])
                shifted = (x.numpy() + offset).astype(np.float32)
                codes = np.clip(np.clip(np.rint(shifted / scale.reshape(1, -1, 1, 1)), 0, 255), low, high)
                # equal except where the float32 value sits on a rounding tie (none of these random inputs)
                levels = 2 ** act.hf_bits - 1
                np.testing.assert_array_equal(codes / levels, np.round(expected * levels) / levels)
                kbit += 1
            else:
                unfolded += 1
        self.assertEqual((sum(m.hf_bits == 1 for m in self.quantized), 1, 1), (binary, kbit, unfolded))
        # the graph holds exactly these: one threshold comparison per binary activation (per-channel constant),
        # the k-bit shift-and-quantize, and the unfolded batch norm of the k-bit activation with a negative scale
        ops = self.ops("integer")
        self.assertEqual(binary, ops.count("GreaterOrEqual"))
        self.assertEqual(binary, ops.count("Where"))
        for n in model.graph.node:
            if n.op_type == "Where":
                self.assertEqual([2, 0], [int(values[n.input[1]]), int(values[n.input[2]])])
                self.assertEqual(np.uint8, values[n.input[1]].dtype)
                self.assertEqual("GreaterOrEqual", produced[n.input[0]].op_type)
        self.assertEqual(binary, len(thresholds))
        self.assertEqual(kbit, len(shifts))
        self.assertEqual(unfolded + 1, ops.count("BatchNormalization"))  # + the exit's own batch norm

    def test_eager_model_and_float_form_unchanged(self):
        """The integer form is export-only: PyTorch's outputs are the same inside and outside integer_export."""
        from hybridfog_models.quant import integer_export
        x = torch.randn(3, 3, 16, 16)
        with torch.no_grad():
            before = self.edge(x)
            with integer_export(self.edge):
                during = self.edge(x)
        for a, b in zip(before, during):
            torch.testing.assert_close(a, b, rtol=0, atol=0)


if __name__ == "__main__":
    unittest.main()
