package io.hybridfog.demo.dse;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.codec.SampleDecoder;
import io.hybridfog.codec.Softmax;
import io.hybridfog.demo.data.TestSet;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * Runs one variant's network over a test set once: decode + normalize every sample as the gateway does
 * ({@link SampleDecoder}), the edge partition over all of them in batches (keeping exit logits and features), then
 * the cloud partition over all features. The threshold sweep then only re-reads these outputs.
 */
public final class VariantRunner {
    /** The gateway's default {@code max.payload.bytes} (config/demo/io.hybridfog.edge.cfg), bytes. */
    public static final int MAX_PAYLOAD_BYTES = 1 << 20;

    private final int batchSize;
    private final PrintStream out;

    /** @param batchSize samples per partition run, &gt;= 1 */
    VariantRunner(int batchSize, PrintStream out) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.out = out;
    }

    /**
     * @throws HybridFogException if a sample cannot be decoded (the message names it) or a partition fails
     * @throws IllegalArgumentException if a label is not a class of the model
     */
    VariantOutputs run(EdgePartition edge, CloudPartition cloud, TestSet testSet) throws HybridFogException, IOException {
        ModelDescriptor d = edge.descriptor();
        int n = testSet.size();
        int classes = d.numClasses();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = testSet.label(i);
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("sample " + i + " of " + testSet.name() + " has label " + labels[i]
                        + ", but " + d.id() + " has " + classes + " classes");
            }
        }
        float[] inputs = decodeAll(d, testSet);
        float[][] exitLogits = new float[n][];
        try (FeatureStore features = new FeatureStore(d.features())) {
            runEdge(edge, inputs, n, exitLogits, features);
            inputs = null; // let the decoded images go before the cloud phase
            int[] cloudPredictions = runCloud(cloud, features, n, classes);
            return new VariantOutputs(labels, exitLogits, cloudPredictions);
        }
    }

    /** All samples normalized, float32 [n * C * H * W]. */
    private float[] decodeAll(ModelDescriptor d, TestSet testSet) throws HybridFogException {
        SampleDecoder decoder = new SampleDecoder(d.input(), MAX_PAYLOAD_BYTES);
        int n = testSet.size();
        int per = perSample(d.input().shape());
        float[] inputs = new float[Math.multiplyExact(n, per)];
        PhaseProgress p = new PhaseProgress(out, "decoding", n, "images");
        for (int i = 0; i < n; i++) {
            Tensor t;
            try {
                t = decoder.decode(testSet.payload(i));
            } catch (HybridFogException e) {
                throw new HybridFogException(e.code(), "sample " + i + " of " + testSet.name() + ": " + e.getMessage());
            }
            System.arraycopy(t.data(), 0, inputs, i * per, per);
            p.update(i + 1);
        }
        p.done("");
        return inputs;
    }

    private void runEdge(EdgePartition edge, float[] inputs, int n, float[][] exitLogits, FeatureStore features)
            throws HybridFogException, IOException {
        long[] sampleShape = edge.descriptor().input().shape();
        int per = perSample(sampleShape);
        int classes = edge.descriptor().numClasses();
        PhaseProgress p = new PhaseProgress(out, "edge", n, "samples");
        for (int from = 0; from < n; from += batchSize) {
            int b = Math.min(batchSize, n - from);
            Tensor batch = new Tensor(batchShape(b, sampleShape), Arrays.copyOfRange(inputs, from * per, (from + b) * per));
            EdgeOutput o = edge.run(batch);
            float[] logits = o.exitLogits().data();
            for (int i = 0; i < b; i++) {
                exitLogits[from + i] = Arrays.copyOfRange(logits, i * classes, (i + 1) * classes);
            }
            features.append(o.features());
            p.update(from + b);
        }
        p.done(features.batches() + " batches of up to " + batchSize);
    }

    private int[] runCloud(CloudPartition cloud, FeatureStore features, int n, int classes)
            throws HybridFogException, IOException {
        int[] predictions = new int[n];
        PhaseProgress p = new PhaseProgress(out, "cloud", n, "samples");
        int at = 0;
        for (int k = 0; k < features.batches(); k++) {
            float[] logits = cloud.run(features.batch(k)).data();
            for (int i = 0; i < logits.length / classes; i++) {
                predictions[at++] = predictedClass(Arrays.copyOfRange(logits, i * classes, (i + 1) * classes));
            }
            p.update(at);
        }
        if (at != n) {
            throw new IllegalStateException("cloud partition answered " + at + " of " + n + " samples");
        }
        p.done("");
        return predictions;
    }

    /** As the gateway answers an offloaded sample: argmax of the cloud softmax, lowest index on ties. */
    static int predictedClass(float[] cloudLogits) {
        double[] p = Softmax.probabilities(cloudLogits);
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int perSample(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return Math.toIntExact(n);
    }

    private static long[] batchShape(int batch, long[] sampleShape) {
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        return shape;
    }
}
