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
 * Fake model for gateway tests: input [1, 28, 28] grayscale normalized as (p/255 - 0.5)/0.5, 10 classes,
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

        FakeEdge(String name, String version) {
            this.descriptor = TestModels.descriptor(name, version);
        }

        @Override
        public ModelDescriptor descriptor() {
            return descriptor;
        }

        @Override
        public EdgeOutput run(Tensor input) throws HybridFogException {
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
            if (!Arrays.equals(input.shape(), new long[] {1, 1, 28, 28})) {
                throw new HybridFogException(ErrorCode.WRONG_SHAPE, "input " + Arrays.toString(input.shape()));
            }
            double mean = 0;
            for (float v : input.data()) {
                mean += v;
            }
            mean /= input.size();
            float[] logits = new float[10];
            if (mean > 0) {
                logits[7] = 20f;
            }
            return new EdgeOutput(new Tensor(new long[] {1, 10}, logits),
                    new Tensor(new long[] {1, 4}, new float[] {1, 1, -1, 1}));
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
            int plus = 0;
            for (float f : features.data()) {
                plus += f > 0 ? 1 : 0;
            }
            float[] out = new float[10];
            out[plus] = 5f;
            return new Tensor(new long[] {1, 10}, out);
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
