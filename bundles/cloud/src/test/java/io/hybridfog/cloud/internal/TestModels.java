package io.hybridfog.cloud.internal;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitPolicySettings;
import io.hybridfog.api.FeatureSpec;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InputSpec;
import io.hybridfog.api.MacCounts;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A tiny fake model: 4 binary features per sample, 10 classes. */
final class TestModels {
    static final List<String> LABELS = List.of("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9");

    private TestModels() {
    }

    static ModelDescriptor descriptor(String name, String version) {
        return new ModelDescriptor(name, version, LABELS,
                new InputSpec("input", new long[] {1, 28, 28}, 255f, new float[] {0.5f}, new float[] {0.5f}, "grayscale"),
                new FeatureSpec("features", new long[] {4}, true), "exit_logits", "features", "logits",
                new MacCounts(Map.of(1, 1000L, 32, 100L), 10, Map.of(32, 500L), 2000),
                new ExitPolicySettings("entropy", 0.5, "nats"));
    }

    /** Logits with a 5.0 peak at the class = number of +1 features in the row. */
    static class FakeCloud implements CloudPartition {
        final ModelDescriptor descriptor;
        final AtomicInteger runs = new AtomicInteger();
        volatile RuntimeException failure;
        /** True: a run of more than one row fails (as a batch-only failure would). */
        volatile boolean failBatches;
        /** Rows of every run, in order. */
        final List<Integer> batchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();

        FakeCloud(String name, String version) {
            this.descriptor = TestModels.descriptor(name, version);
        }

        @Override
        public ModelDescriptor descriptor() {
            return descriptor;
        }

        @Override
        public Tensor run(Tensor features) throws HybridFogException {
            runs.incrementAndGet();
            if (failure != null) {
                throw failure;
            }
            long[] s = features.shape();
            if (s.length != 2 || s[1] != 4) {
                throw new HybridFogException(ErrorCode.WRONG_SHAPE, "features must be [N, 4]");
            }
            int n = (int) s[0];
            batchSizes.add(n);
            if (failBatches && n > 1) {
                throw new IllegalStateException("batch of " + n + " failed");
            }
            float[] out = new float[n * 10];
            for (int i = 0; i < n; i++) {
                int plus = 0;
                for (int j = 0; j < 4; j++) {
                    plus += features.data()[i * 4 + j] > 0 ? 1 : 0;
                }
                out[i * 10 + plus] = 5f;
            }
            return new Tensor(new long[] {n, 10}, out);
        }
    }
}
