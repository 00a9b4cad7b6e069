package io.hybridfog.edge.internal;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.EnergyEstimate;
import io.hybridfog.api.EnergyModel;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitPolicySettings;
import io.hybridfog.api.FeatureSpec;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InputSpec;
import io.hybridfog.api.MacCounts;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.codec.TensorCodec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Fake model for gateway tests (batches of any size, row by row): input [1, 28, 28] grayscale normalized as (p/255 - 0.5)/0.5, 10 classes,
 * 4 binary features. A bright image (mean &gt; 0) gives confident exit logits for class 7, a dark one uniform
 * logits (entropy ln 10); features are +1 +1 -1 +1 so the fake cloud answers class 3.
 */
final class TestModels {
    static final List<String> LABELS = List.of("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9");
    static final MacCounts MACS = new MacCounts(Map.of(1, 1000L, 32, 100L), 10, Map.of(32, 500L), 2000);

    private TestModels() {
    }

    static ModelDescriptor descriptor(String name, String version) {
        return new ModelDescriptor(name, version, LABELS,
                new InputSpec("input", new long[] {1, 28, 28}, 255f, new float[] {0.5f}, new float[] {0.5f}, "grayscale"),
                new FeatureSpec("features", new long[] {4}, true), "exit_logits", "features", "logits", MACS,
                new ExitPolicySettings("entropy", 0.5, "nats"));
    }

    /** UINT8 HFT [1, 28, 28] with every pixel = value. */
    static byte[] pixels(int value) {
        float[] p = new float[28 * 28];
        Arrays.fill(p, value);
        return TensorCodec.encode(new Tensor(new long[] {1, 28, 28}, p), TensorCodec.Encoding.UINT8, null, null);
    }

    static class FakeEdge implements EdgePartition {
        final ModelDescriptor descriptor;
        volatile CountDownLatch gate;
        volatile RuntimeException failure;
        /** The batch size of every run, in order. */
        final List<Integer> batchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** True: a run of more than one sample fails (as a batch-only failure would). */
        volatile boolean failBatches;
        /** Runs started (counted before the gate). */
        final java.util.concurrent.atomic.AtomicInteger entered = new java.util.concurrent.atomic.AtomicInteger();

        FakeEdge(String name, String version) {
            this.descriptor = TestModels.descriptor(name, version);
        }

        @Override
        public ModelDescriptor descriptor() {
            return descriptor;
        }

        @Override
        public EdgeOutput run(Tensor input) throws HybridFogException {
            entered.incrementAndGet();
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failure != null) {
                throw failure;
            }
            long[] shape = input.shape();
            if (shape.length != 4 || !Arrays.equals(shape, 1, 4, new long[] {1, 28, 28}, 0, 3)) {
                throw new HybridFogException(ErrorCode.WRONG_SHAPE, "input " + Arrays.toString(input.shape()));
            }
            int n = (int) shape[0];
            batchSizes.add(n);
            if (failBatches && n > 1) {
                throw new IllegalStateException("batch of " + n + " failed");
            }
            float[] logits = new float[10 * n];
            float[] features = new float[4 * n];
            for (int row = 0; row < n; row++) {
                double mean = 0;
                for (int i = row * 784; i < (row + 1) * 784; i++) {
                    mean += input.data()[i];
                }
                mean /= 784;
                if (mean > 0) {
                    logits[10 * row + 7] = 20f;
                }
                System.arraycopy(new float[] {1, 1, -1, 1}, 0, features, 4 * row, 4);
            }
            return new EdgeOutput(new Tensor(new long[] {n, 10}, logits), new Tensor(new long[] {n, 4}, features));
        }
    }

    /** Logits with a 5.0 peak at the class = number of +1 features. */
    static final class FakeCloud implements CloudPartition {
        final ModelDescriptor descriptor;

        FakeCloud(String name, String version) {
            this.descriptor = TestModels.descriptor(name, version);
        }

        @Override
        public ModelDescriptor descriptor() {
            return descriptor;
        }

        @Override
        public Tensor run(Tensor features) {
            int n = (int) features.shape()[0];
            int size = features.size() / n;
            float[] out = new float[10 * n];
            for (int row = 0; row < n; row++) {
                int plus = 0;
                for (int i = row * size; i < (row + 1) * size; i++) {
                    plus += features.data()[i] > 0 ? 1 : 0;
                }
                out[10 * row + plus] = 5f;
            }
            return new Tensor(new long[] {n, 10}, out);
        }
    }

    /** 0.1 pJ per binary MAC, 3.7 pJ per float32 MAC. */
    static final class Energy implements EnergyModel {
        @Override
        public double energyPerMacPj(int bits) {
            return switch (bits) {
                case 1 -> 0.1;
                case 32 -> 3.7;
                default -> throw new IllegalArgumentException("no energy for " + bits + " bits");
            };
        }

        @Override
        public EnergyEstimate estimate(MacCounts macs, boolean offloaded) {
            double edge = macs.edgeByBits().entrySet().stream().mapToDouble(e -> e.getValue() * energyPerMacPj(e.getKey())).sum();
            double cloud = offloaded
                    ? macs.cloudByBits().entrySet().stream().mapToDouble(e -> e.getValue() * energyPerMacPj(e.getKey())).sum() : 0;
            return new EnergyEstimate(edge, cloud, macs.referenceFp32() * energyPerMacPj(32));
        }
    }
}
