"""Tests of the model toolchain (quantization, MAC counting, calibration, export).

    /usr/bin/python3 -m unittest discover -s models/tests -v
"""
import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from hybridfog_models.quant import BinaryActivation, QuantActivation, QuantConv2d, binarize, freeze_quantized  # noqa: E402
from hybridfog_models.macs import count_macs  # noqa: E402
from hybridfog_models.exits import (calibrate_entropy_threshold, calibrate_for_targets, hybrid_outcome,  # noqa: E402
                                    softmax_entropy_nats)
from hybridfog_models.export import export_partition  # noqa: E402
from hybridfog_models.artifacts import strict_json, write_json  # noqa: E402
from hybridfog_models.loop import predict  # noqa: E402
from hybridfog_models.resnet import ResNet32  # noqa: E402
from hybridfog_models import distill, schedules  # noqa: E402
from hybridfog_models.augment import random_crop_flip  # noqa: E402


class QuantTest(unittest.TestCase):
    def test_binarize_maps_zero_to_plus_one(self):
        self.assertEqual(binarize(torch.tensor([-0.5, 0.0, 2.0])).tolist(), [-1.0, 1.0, 1.0])

    def test_straight_through_gradient_is_clipped(self):
        x = torch.tensor([-2.0, -0.5, 0.5, 1.5], requires_grad=True)
        binarize(x).sum().backward()
        self.assertEqual(x.grad.tolist(), [0.0, 1.0, 1.0, 0.0])

    def test_binary_weights_are_sign_times_channel_mean(self):
        conv = QuantConv2d(1, 2, 1, bits=1)
        with torch.no_grad():
            conv.weight.copy_(torch.tensor([[[[0.5]]], [[[-2.0]]]]))
        freeze_quantized(conv)
        self.assertEqual(conv.weight.flatten().tolist(), [0.5, -2.0])  # 1x1 kernel: alpha = |w|
        conv = QuantConv2d(1, 1, (1, 2), bits=1)
        with torch.no_grad():
            conv.weight.copy_(torch.tensor([[[[1.0, -3.0]]]]))
        freeze_quantized(conv)
        self.assertEqual(conv.weight.flatten().tolist(), [2.0, -2.0])  # alpha = mean(1, 3)

    def test_k_bit_activations_are_exactly_on_the_grid_at_inference(self):
        x = torch.rand(1000) * 1.4 - 0.2
        for bits in (2, 4):
            levels = 2 ** bits - 1
            q = QuantActivation(bits)(x)  # no gradient needed: inference path
            self.assertTrue(torch.equal(q, torch.round(torch.clamp(x, 0, 1) * levels) / levels))
            xg = x.clone().requires_grad_()
            QuantActivation(bits)(xg).sum().backward()  # training path: straight-through gradient inside [0, 1]
            self.assertTrue(torch.equal(xg.grad, ((x >= 0) & (x <= 1)).float()))

    def test_k_bit_weights_take_at_most_2_pow_k_values(self):
        conv = QuantConv2d(4, 8, 3, bits=2)
        freeze_quantized(conv)
        for c in range(8):
            self.assertLessEqual(len(torch.unique(conv.weight[c])), 4)


class StrictJsonTest(unittest.TestCase):
    def test_non_finite_floats_become_null_and_the_file_is_strict_json(self):
        metrics = {"calibration": {"margin_z": float("inf"), "low": float("-inf"), "nan": float("nan"), "ok": 0.5},
                   "runs": [1.0, float("inf")], "name": "x"}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "metrics.json")
            write_json(path, metrics)
            with open(path) as f:
                text = f.read()
        self.assertNotIn("Infinity", text)
        self.assertNotIn("NaN", text)
        loaded = json.loads(text, parse_constant=lambda c: self.fail("non-standard JSON constant " + c))
        self.assertEqual({"margin_z": None, "low": None, "nan": None, "ok": 0.5}, loaded["calibration"])
        self.assertEqual([1.0, None], loaded["runs"])
        self.assertEqual(0.5, strict_json(0.5))


class MacsTest(unittest.TestCase):
    def test_conv_and_linear_macs_by_bit_width(self):
        net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), QuantConv2d(8, 4, 3, padding=1, bits=1),
                            nn.Flatten(), nn.Linear(4 * 5 * 5, 10))
        macs = count_macs(net, torch.zeros(2, 3, 5, 5))
        self.assertEqual(macs[32], 8 * 25 * 3 * 9 + 100 * 10)
        self.assertEqual(macs[1], 4 * 25 * 8 * 9)


class ExitTest(unittest.TestCase):
    def test_entropy_in_nats(self):
        h = softmax_entropy_nats(np.array([[0.0, 0.0], [math.log(3), 0.0, 0.0][:2]]))
        self.assertAlmostEqual(h[0], math.log(2), places=12)
        p = np.array([0.75, 0.25])
        self.assertAlmostEqual(h[1], -(p * np.log(p)).sum(), places=12)

    def test_calibrated_threshold_keeps_accuracy_within_bound(self):
        rng = np.random.RandomState(0)
        labels = rng.randint(0, 10, 2000)
        final = rng.randn(2000, 10); final[np.arange(2000), labels] += 4
        exit_logits = rng.randn(2000, 10) * 2; exit_logits[np.arange(2000), labels] += 2
        t = calibrate_entropy_threshold(exit_logits, final, labels, 0.01)
        acc, rate = hybrid_outcome(exit_logits, final, labels, t)
        cloud = (final.argmax(1) == labels).mean()
        self.assertGreaterEqual(acc, cloud - 0.01)
        self.assertGreater(rate, 0.0)
        # a larger threshold would break the bound or not exist
        acc_all, _ = hybrid_outcome(exit_logits, final, labels, 1e9)
        self.assertLess(acc_all, cloud - 0.01)
        # against another reference (e.g. the full-precision network's accuracy): a lower one lets more samples exit
        t_ref = calibrate_entropy_threshold(exit_logits, final, labels, 0.01, reference_accuracy=cloud - 0.05)
        acc_ref, rate_ref = hybrid_outcome(exit_logits, final, labels, t_ref)
        self.assertGreaterEqual(acc_ref, cloud - 0.06)
        self.assertGreater(rate_ref, rate)
        self.assertEqual(calibrate_entropy_threshold(exit_logits, final, labels, 0.0, reference_accuracy=1.01), 0.0)

    def _synthetic(self, n=2000):
        rng = np.random.RandomState(1)
        labels = rng.randint(0, 10, n)
        final = rng.randn(n, 10); final[np.arange(n), labels] += 2.5
        exit_logits = rng.randn(n, 10) * 1.5; exit_logits[np.arange(n), labels] += 2.5
        # a reference network that mostly agrees with the cloud about which samples it gets right
        reference = (final.argmax(1) == labels) ^ (rng.rand(n) < 0.03)
        return exit_logits, final, labels, reference

    def test_target_calibration_maximizes_the_smaller_margin(self):
        exit_logits, final, labels, reference = self._synthetic()
        n = len(labels)
        t, margin, acc, rate = calibrate_for_targets(exit_logits, final, labels, reference, 0.02, 0.3)
        self.assertEqual((acc, rate), hybrid_outcome(exit_logits, final, labels, t))

        def brute_margin(threshold):
            exits = softmax_entropy_nats(exit_logits) < threshold
            pred = np.where(exits, exit_logits.argmax(1), final.argmax(1))
            d = (pred == labels).astype(float) - reference
            z_acc = (d.mean() + 0.02) / (d.std(ddof=1) / math.sqrt(n))
            r = exits.mean()
            return min(z_acc, (r - 0.3) / math.sqrt(r * (1 - r) / n))
        self.assertAlmostEqual(margin, brute_margin(t), places=9)
        ent = np.sort(softmax_entropy_nats(exit_logits))
        for other in (ent[100:-1:97] + ent[101::97]) / 2:  # a spread of other candidate thresholds
            self.assertLessEqual(brute_margin(other), margin + 1e-9)
        self.assertGreater(margin, 0)  # both targets are met on this split ...
        self.assertGreaterEqual(rate, 0.3)
        self.assertGreaterEqual(acc, reference.mean() - 0.02)

    def test_target_calibration_reports_conflicting_targets(self):
        exit_logits, final, labels, reference = self._synthetic()
        _, margin, _, rate = calibrate_for_targets(exit_logits, final, labels, reference, 0.0, 0.95)
        self.assertLess(margin, 0)
        self.assertLess(rate, 0.95)
        with self.assertRaises(ValueError):
            calibrate_for_targets(exit_logits, final, labels, reference[:-1], 0.01, 0.5)
        with self.assertRaises(ValueError):
            calibrate_for_targets(exit_logits, final, labels, reference, 0.01, 70.0)  # a percentage, not a fraction

    def test_target_calibration_on_an_exact_split_has_a_defined_margin(self):
        labels = np.array([0, 1, 0, 1])
        logits = np.eye(2)[labels] * 5.0  # every head right, every entropy equal: no sampling error anywhere
        t, margin, acc, rate = calibrate_for_targets(logits, logits, labels, np.ones(4, bool), 0.0, 1.0)
        self.assertEqual((margin, acc, rate), (0.0, 1.0, 1.0))  # both targets met exactly, not NaN
        self.assertEqual(hybrid_outcome(logits, logits, labels, t), (1.0, 1.0))


class ExportTest(unittest.TestCase):
    def test_export_freezes_binary_weights_and_writes_metadata(self):
        net = nn.Sequential(nn.BatchNorm2d(2), BinaryActivation(), QuantConv2d(2, 3, 3, bits=1)).eval()
        freeze_quantized(net)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "p.onnx")
            export_partition(net, torch.randn(1, 2, 5, 5), path, ["x"], ["y"], {"model": "t", "version": "1"})
            model = onnx.load(path)
            meta = {p.key: p.value for p in model.metadata_props}
            self.assertEqual(json.loads(meta["hybridfog"]), {"model": "t", "version": "1"})
            ops = {n.op_type for n in model.graph.node}
            self.assertNotIn("Abs", ops)
            self.assertNotIn("ReduceMean", ops)
            self.assertEqual(model.graph.input[0].type.tensor_type.shape.dim[0].dim_param, "batch")


def _load_cifar_train():
    spec = importlib.util.spec_from_file_location("cifar10_train", os.path.join(os.path.dirname(HERE), "cifar10", "train.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Cifar10Data:
    """What the export needs of a datasets.Dataset, for CIFAR-10 without its images."""
    name, description, labels, classes, color, shape = "cifar10", "CIFAR-10 (JPEG)", None, None, "rgb", [3, 32, 32]
    train_source, test_source, seed, normalization_source = "train.zip", "test.zip", 0, "pinned"

    def __init__(self, val_size):
        c10 = _load_cifar_train()
        self.labels = self.classes = c10.CLASSES
        self.mean, self.std, self.normalize, self.val_size = c10.MEAN, c10.STD, c10.normalize, val_size


def _export_random(c10, edge, cloud, bits, samples, out):
    """Runs write_artifacts for an s2b3 variant on `samples` random images into out; returns images, labels, exit logits."""
    from hybridfog_models.data import Images
    from hybridfog_models.train import write_artifacts
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, (samples, 32, 32, 3)).astype(np.uint8)
    labels = rng.randint(0, 10, samples)
    te, tc = predict(edge, cloud, images, c10.normalize)
    args = argparse.Namespace(out=out, version="0.0.1", val_size=samples, seed=0, max_drop=0.002, cut="s2b3", bits=bits,
                              calibrate_against="cloud", arch="resnet32", command="test")
    test = Images(images, labels, c10.CLASSES, [f"c/{i:04d}.jpg" for i in range(samples)], "rgb")
    write_artifacts(args, _Cifar10Data(samples), f"s2b3-b{bits}", edge, cloud, 1.0, (te, tc, labels), (te, tc, labels),
                    test, {"validation_accuracy": 0.1, "test_accuracy": 0.1}, {"epochs": 0})
    return images, labels, te


class CifarExportTest(unittest.TestCase):
    """models/cifar10/train.py's export on an untrained variant and random images (no data set needed)."""

    def test_hybrid_variant_exports_partitions_metrics_and_reference_csv(self):
        c10 = _load_cifar_train()
        from hybridfog_models.resnet import CUTS, HybridCloud, HybridEdge
        edge, cloud = HybridEdge(CUTS["s2b3"], 2), HybridCloud(CUTS["s2b3"])
        freeze_quantized(edge)
        with tempfile.TemporaryDirectory() as d:
            images, labels, te = _export_random(c10, edge, cloud, 2, 12, d)
            out = os.path.join(d, "s2b3-b2")
            meta = json.loads({p.key: p.value for p in onnx.load(os.path.join(out, "edge.onnx")).metadata_props}["hybridfog"])
            self.assertEqual(meta["model"], "cifar10-resnet32-s2b3-b2")
            self.assertEqual((meta["cut"], meta["edge_bits"], meta["partition"]), ("s2b3", 2, "edge"))
            self.assertEqual(meta["features"], {"name": "features", "shape": [32, 16, 16], "dtype": "float32", "values": "real"})
            self.assertEqual(meta["input"]["color"], "rgb")
            macs = meta["macs"]
            self.assertGreater(macs["edge"]["2"], 0)
            self.assertEqual(macs["edge_exit_fp32"], 32 * 10)  # exit FC: 32 channels at s2b3 -> 10 classes
            self.assertEqual(macs["reference_fp32"],
                             sum(count_macs(ResNet32(), torch.zeros(1, 3, 32, 32)).values()))
            cloud_meta = json.loads({p.key: p.value for p in onnx.load(os.path.join(out, "cloud.onnx")).metadata_props}["hybridfog"])
            self.assertEqual(dict(cloud_meta, partition="edge"), meta)
            with open(os.path.join(out, "metrics.json")) as f:
                self.assertEqual(json.load(f)["test"]["samples"], 12)
            with open(os.path.join(out, "reference-predictions.csv")) as f:
                rows = f.read().splitlines()
            self.assertEqual(rows[0], "index,label,exit_pred,exit_entropy_nats,cloud_pred")
            self.assertEqual(len(rows), 13)
            self.assertEqual(rows[1].split(",")[:3], ["0", str(labels[0]), str(te[0].argmax())])


class ExitBranchTest(unittest.TestCase):
    """--exit-blocks / --exit-bits (a k-bit branch in front of the exit's FC) and --train exit | cloud (frozen backbone)."""

    def test_exit_branch_macs_are_accounted_to_the_exit_not_the_reference(self):
        c10 = _load_cifar_train()
        from hybridfog_models.resnet import CUTS, HybridCloud, HybridEdge
        edge, cloud = HybridEdge(CUTS["s2b3"], 1, exit_pool=4, exit_blocks=2, exit_bits=4), HybridCloud(CUTS["s2b3"])
        freeze_quantized(edge)
        x = torch.randn(2, 3, 32, 32)
        edge.eval()
        with torch.no_grad():
            self.assertTrue(torch.equal(edge(x)[0], edge.early_exit(edge.backbone(x))))
        with tempfile.TemporaryDirectory() as d:
            _export_random(c10, edge, cloud, 1, 6, d)
            meta = json.loads({p.key: p.value for p in onnx.load(os.path.join(d, "s2b3-b1", "edge.onnx"))
                               .metadata_props}["hybridfog"])
        macs = meta["macs"]
        # branch: 3x3 convs 32->64 (stride 2, 8x8 out) and 64->64, twice over two blocks; 1x1 shortcut 32->64 in fp32
        branch_4bit = 8 * 8 * 9 * (32 * 64 + 3 * 64 * 64)
        self.assertEqual(macs["edge_exit"], {"4": branch_4bit, "32": 8 * 8 * 32 * 64 + 64 * 4 * 4 * 10})
        self.assertEqual(macs["edge_exit_fp32"], macs["edge_exit"]["32"])
        self.assertEqual(macs["edge"]["4"], branch_4bit)
        self.assertEqual(macs["reference_fp32"], sum(count_macs(ResNet32(), torch.zeros(1, 3, 32, 32)).values()))

    def _frozen_training_setup(self):
        c10 = _load_cifar_train()
        from hybridfog_models.resnet import CUTS, HybridCloud, HybridEdge
        torch.manual_seed(0)
        edge = HybridEdge(CUTS["s2b3"], 1, exit_pool=4, shortcuts="conv", exit_blocks=1, exit_bits=4)
        cloud = HybridCloud(CUTS["s2b3"])
        rng = np.random.RandomState(0)
        train = (rng.randint(0, 256, (64, 32, 32, 3)).astype(np.uint8), rng.randint(0, 10, 64))
        val = (rng.randint(0, 256, (16, 32, 32, 3)).astype(np.uint8), rng.randint(0, 10, 16))
        args = argparse.Namespace(init_from="x.pt", device="cpu", feature_copies=2, seed=0, batch=32, lr=1e-2,
                                  wd=0.0, epochs=3, distill_t=4.0, distill_weight=0.7, exit_teacher="cloud")
        return c10, edge, cloud, train, val, args

    @staticmethod
    def _parameters(edge, cloud):
        return {k: v.clone() for k, v in list(edge.state_dict().items())
                + [("cloud." + k, v) for k, v in cloud.state_dict().items()]}

    def _changed_by(self, part, prefixes, base):
        c10, edge, cloud, train, val, args = self._frozen_training_setup()
        before = self._parameters(edge, cloud)
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(len(distill.train_on_frozen_features(args, part, edge, cloud, base, train, val, d,
                                                                  c10.normalize, random_crop_flip)), 3)
            self.assertEqual(sorted(os.listdir(os.path.join(d, "frozen-features"))),
                             ["train-0.npz", "train-1.npz", "val.npz"])
            after = self._parameters(edge, cloud)
            changed = {k for k in before if not torch.equal(before[k], after[k])}
            self.assertTrue(changed)
            self.assertTrue(all(k.startswith(prefixes) for k in changed), changed)
            args.epochs = 4  # resumes after epoch 3 from <build>/<part>-checkpoint.pt: one more epoch
            self.assertEqual(len(distill.train_on_frozen_features(args, part, edge, cloud, base, train, val, d,
                                                                  c10.normalize, random_crop_flip)), 1)
            return np.load(os.path.join(d, "frozen-features", "train-1.npz"))

    def test_exit_only_training_changes_the_exit_alone_and_resumes(self):
        cached = self._changed_by("exit", ("exit_branch.", "exit_bn.", "exit_fc."), None)
        self.assertNotIn("baseline_logits", cached)

    def test_cloud_only_training_changes_the_cloud_alone_distilled_from_the_cached_baseline(self):
        c10 = _load_cifar_train()
        cached = self._changed_by("cloud", ("cloud.",), ResNet32())
        self.assertEqual(cached["baseline_logits"].shape, (64, 10))

    def test_an_extended_feature_cache_holds_the_same_crops_as_a_fresh_one(self):
        c10, edge, cloud, train, val, args = self._frozen_training_setup()
        with tempfile.TemporaryDirectory() as grown, tempfile.TemporaryDirectory() as fresh:
            for k in (1, 2):  # one copy, then a run asking for two: the second must not repeat the first's crops
                gen = torch.Generator().manual_seed(0)
                for i in range(k):
                    distill.frozen_features(args, edge, cloud, None, train[0], os.path.join(grown, f"{i}.npz"), True, gen,
                                            c10.normalize, random_crop_flip)
            gen = torch.Generator().manual_seed(0)
            for i in range(2):
                distill.frozen_features(args, edge, cloud, None, train[0], os.path.join(fresh, f"{i}.npz"), True, gen,
                                        c10.normalize, random_crop_flip)
            a, b = np.load(os.path.join(grown, "1.npz")), np.load(os.path.join(fresh, "1.npz"))
            np.testing.assert_array_equal(a["features"], b["features"])
            self.assertFalse(np.array_equal(a["features"], np.load(os.path.join(grown, "0.npz"))["features"]))
            with torch.no_grad():  # other backbone weights: adding baseline logits to that cache must refuse
                edge.conv1.weight.mul_(-1)
            with self.assertRaises(SystemExit):
                distill.frozen_features(args, edge, cloud, ResNet32(), train[0], os.path.join(fresh, "0.npz"), True,
                                        torch.Generator().manual_seed(0), c10.normalize, random_crop_flip)


class ResNetVariantsTest(unittest.TestCase):
    def test_per_convolution_shortcuts_keep_weights_and_macs_but_change_the_function(self):
        from hybridfog_models.resnet import CUTS, HybridEdge
        torch.manual_seed(0)
        block, conv = HybridEdge(CUTS["s2b3"], 1, exit_pool=4), HybridEdge(CUTS["s2b3"], 1, exit_pool=4, shortcuts="conv")
        conv.load_state_dict(block.state_dict())  # same parameter names and shapes: fine-tune one into the other
        x = torch.randn(2, 3, 32, 32)
        self.assertEqual(count_macs(block, x), count_macs(conv, x))
        block.eval(); conv.eval()
        with torch.no_grad():
            (eb, fb), (ec, fc) = block(x), conv(x)
        self.assertEqual(fb.shape, fc.shape)
        self.assertFalse(torch.allclose(fb, fc))

    def test_per_convolution_shortcut_adds_each_convolutions_input(self):
        from hybridfog_models.resnet import QuantBlock
        blk = QuantBlock(16, 16, 1, bits=1, shortcuts="conv").eval()
        x = torch.randn(1, 16, 8, 8)
        with torch.no_grad():
            mid = blk.conv1(blk.act1(blk.bn1(x))) + x
            expected = blk.conv2(blk.act2(blk.bn2(mid))) + mid
            self.assertTrue(torch.equal(blk(x), expected))
        with self.assertRaisesRegex(ValueError, "shortcuts must be"):
            QuantBlock(16, 16, 1, bits=1, shortcuts="none")

    def test_distillation_loss_is_zero_for_the_teachers_logits_and_positive_otherwise(self):
        c10 = _load_cifar_train()
        t = torch.randn(4, 10, generator=torch.Generator().manual_seed(0))
        # Zero up to float32 rounding: log_softmax and log(softmax) differ by ~1 ulp, scaled by t^2 = 16.
        self.assertAlmostEqual(distill.distillation_loss(t, t, 4.0).item(), 0.0, delta=1e-5)
        self.assertGreater(distill.distillation_loss(torch.zeros(4, 10), t, 4.0).item(), 0.0)


class ScheduleTest(unittest.TestCase):
    """models/cifar10/train.py's warm-up + cosine schedule and --time-budget planning (GPU runs)."""

    def test_warmup_then_cosine_to_zero_at_the_planned_epoch_count(self):
        c10 = _load_cifar_train()
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        plan = {"epochs": 100}  # the cap; the run fixes its length after the first epoch
        sched = schedules.warmup_cosine(opt, 10, plan)
        lrs = []
        for _ in range(10):
            lrs.append(opt.param_groups[0]["lr"]); opt.step(); sched.step()
        self.assertAlmostEqual(lrs[0], 0.01, places=9)
        self.assertEqual(lrs, sorted(lrs))  # linear warm-up, independent of the plan
        plan["epochs"] = 3
        rest = []
        for _ in range(25):
            rest.append(opt.param_groups[0]["lr"]); opt.step(); sched.step()
        self.assertAlmostEqual(rest[0], 0.1, places=9)  # cosine starts at the set lr
        self.assertAlmostEqual(rest[10], 0.05, places=9)  # half-way through the 20 cosine steps
        self.assertEqual(rest[20:], [0.0] * 5)  # and stays at 0 past the planned end

    def test_time_budget_plans_what_fits_within_bounds(self):
        c10 = _load_cifar_train()
        args = argparse.Namespace(time_budget=100.0, epochs=50)
        self.assertEqual(schedules.planned_epochs(args, 20.0, 8.0), 11)  # 1 + (100 - 20) // 8
        self.assertEqual(schedules.planned_epochs(args, 90.0, 30.0), 2)  # at least 2: warm-up then cosine
        self.assertEqual(schedules.planned_epochs(args, 1.0, 0.1), 50)  # at most --epochs


class TrainingSmokeTest(unittest.TestCase):
    def test_short_training_run_exports_both_partitions(self):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "fashion-mnist", "train.py"),
                            "--epochs", "1", "--limit-train", "512", "--val-size", "1000", "--out", d],
                           check=True, capture_output=True, timeout=600)
            for name in ("edge.onnx", "cloud.onnx", "metrics.json", "reference-predictions.csv"):
                self.assertTrue(os.path.exists(os.path.join(d, name)), name)
            meta = json.loads({p.key: p.value for p in onnx.load(os.path.join(d, "edge.onnx")).metadata_props}["hybridfog"])
            self.assertEqual(meta["partition"], "edge")
            self.assertEqual(meta["exit_policy"]["unit"], "nats")
            self.assertGreater(meta["macs"]["edge"]["1"], 0)


if __name__ == "__main__":
    unittest.main()
