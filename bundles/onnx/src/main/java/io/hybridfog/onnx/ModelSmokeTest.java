package io.hybridfog.onnx;

import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;

/**
 * The last check before a model version may serve: one inference on a blank input, and warm-up runs so that the
 * first real sample does not pay ONNX Runtime's first-run allocations.
 *
 * <p>The edge partition gets a float32 [1, C, H, W] tensor of zeros (the mean image after normalization); its exit
 * logits must be [1, classes] and finite, its features [1, feature shape] and finite. The cloud partition gets those
 * features (or zeros when the bundle has no edge partition) and its logits must be [1, classes] and finite. Shapes
 * are checked by the partitions themselves against the metadata (WRONG_SHAPE/INTERNAL become the reason here).
 */
public final class ModelSmokeTest {

    private ModelSmokeTest() {
    }

    /**
     * @param edge       the edge partition, or null if the bundle carries none
     * @param cloud      the cloud partition, or null if the bundle carries none
     * @param warmupRuns extra runs of each partition after the checked one (0 for none)
     * @throws ModelLoadException naming the partition and what was wrong (an exception, or non-finite outputs)
     */
    public static void check(OnnxEdgePartition edge, OnnxCloudPartition cloud, int warmupRuns) throws ModelLoadException {
        Tensor features = null;
        if (edge != null) {
            ModelDescriptor d = edge.descriptor();
            Tensor image = zeros(d.input().shape());
            EdgeOutput out = run(edge.toString(), () -> edge.run(image));
            requireFinite(edge + " exit logits", out.exitLogits());
            requireFinite(edge + " features", out.features());
            features = out.features();
            for (int i = 0; i < warmupRuns; i++) {
                run(edge.toString(), () -> edge.run(image));
            }
        }
        if (cloud != null) {
            Tensor input = features != null ? features : zeros(cloud.descriptor().features().shape());
            requireFinite(cloud + " logits", run(cloud.toString(), () -> cloud.run(input)));
            for (int i = 0; i < warmupRuns; i++) {
                run(cloud.toString(), () -> cloud.run(input));
            }
        }
    }

    private interface Call<T> {
        T run() throws HybridFogException;
    }

    private static <T> T run(String partition, Call<T> call) throws ModelLoadException {
        try {
            return call.run();
        } catch (HybridFogException | RuntimeException e) {
            throw new ModelLoadException("smoke inference of the " + partition + " failed: " + e.getMessage(), e);
        }
    }

    private static Tensor zeros(long[] sampleShape) {
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = 1;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        long size = 1;
        for (long dim : sampleShape) {
            size *= dim;
        }
        return new Tensor(shape, new float[Math.toIntExact(size)]);
    }

    private static void requireFinite(String what, Tensor t) throws ModelLoadException {
        for (float v : t.data()) {
            if (!Float.isFinite(v)) {
                throw new ModelLoadException("smoke inference: " + what + " contain " + v + " for a blank input");
            }
        }
    }
}
