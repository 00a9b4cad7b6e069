package io.hybridfog.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Contract between training and runtime: the committed ONNX partitions, run by ONNX Runtime in Java on the
 * 10,000 Fashion-MNIST test images normalized as {@link IdxImages#normalized} does, predict what PyTorch recorded
 * in models/fashion-mnist/reference-predictions.csv. A few disagreements are tolerated for near ties between two
 * classes, where float32 rounding differences between the frameworks can flip the argmax.
 */
class ReferencePredictionsContractTest {
    private static final int BATCH = 500;
    private static final double MIN_AGREEMENT = 0.999;
    private static final double ENTROPY_TOLERANCE_NATS = 1e-4;

    /** One row of reference-predictions.csv. */
    record Reference(int index, int label, int exitPred, double exitEntropyNats, int cloudPred) {
    }

    @Test
    void javaPredictionsMatchThePyTorchReference() throws Exception {
        List<Reference> references = readReferences();
        IdxImages images = ModelFiles.testImages();
        int[] labels = IdxImages.readLabels(ModelFiles.file("data/t10k-labels-idx1-ubyte.gz"));
        assertEquals(images.count, references.size(), "one reference row per test image");
        for (Reference r : references) {
            assertEquals(labels[r.index()], r.label(), "CSV row " + r.index() + " belongs to another image");
        }

        int exitAgree = 0;
        int cloudAgree = 0;
        double worstEntropyError = 0;
        int worstEntropyIndex = -1;
        List<String> disagreements = new ArrayList<>();
        try (OnnxEdgePartition edge = ModelFiles.loadEdge(); OnnxCloudPartition cloud = ModelFiles.loadCloud()) {
            for (int from = 0; from < images.count; from += BATCH) {
                int n = Math.min(BATCH, images.count - from);
                EdgeOutput out = edge.run(images.normalized(from, n, edge.descriptor().input()));
                Tensor logits = cloud.run(out.features());
                for (int i = 0; i < n; i++) {
                    Reference r = references.get(from + i);
                    float[] exitLogits = row(out.exitLogits(), i);
                    int exitPred = argmax(exitLogits);
                    int cloudPred = argmax(row(logits, i));
                    double entropyError = Math.abs(entropyNats(exitLogits) - r.exitEntropyNats());
                    if (entropyError > worstEntropyError) {
                        worstEntropyError = entropyError;
                        worstEntropyIndex = r.index();
                    }
                    exitAgree += exitPred == r.exitPred() ? 1 : 0;
                    cloudAgree += cloudPred == r.cloudPred() ? 1 : 0;
                    if (exitPred != r.exitPred() || cloudPred != r.cloudPred()) {
                        disagreements.add(r.index() + ": exit " + exitPred + "/" + r.exitPred() + ", cloud " + cloudPred + "/" + r.cloudPred());
                    }
                }
            }
        }

        int total = references.size();
        String summary = "exit agreement " + exitAgree + "/" + total + ", cloud agreement " + cloudAgree + "/" + total
                + ", worst entropy error " + worstEntropyError + " nats (image " + worstEntropyIndex + "), disagreements (java/pytorch) "
                + disagreements.subList(0, Math.min(20, disagreements.size()));
        System.out.println("reference contract: " + summary);
        assertTrue(exitAgree >= MIN_AGREEMENT * total, summary);
        assertTrue(cloudAgree >= MIN_AGREEMENT * total, summary);
        assertTrue(worstEntropyError <= ENTROPY_TOLERANCE_NATS, summary);
    }

    @Test
    void entropyOfUniformAndCertainLogits() {
        assertEquals(Math.log(10), entropyNats(new float[10]), 1e-12);
        assertEquals(0, entropyNats(new float[] {1000f, 0f, 0f}), 1e-12);
        assertArrayEquals(new float[] {3, 4}, row(new Tensor(new long[] {2, 2}, new float[] {1, 2, 3, 4}), 1));
        assertEquals(2, argmax(new float[] {0f, 1f, 5f, 5f}), "first maximum wins, as numpy's argmax");
    }

    /** Shannon entropy of softmax(logits) in nats, in float64 like models/hybridfog_models/exits.py. */
    static double entropyNats(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float z : logits) {
            max = Math.max(max, z);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        double entropy = 0;
        for (double pi : p) {
            double q = pi / sum;
            entropy -= q > 0 ? q * Math.log(q) : 0;
        }
        return entropy;
    }

    static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    static float[] row(Tensor tensor, int sample) {
        return OnnxEdgePartitionTest.slice(tensor, sample);
    }

    private static List<Reference> readReferences() throws IOException {
        List<String> lines = Files.readAllLines(ModelFiles.file("reference-predictions.csv"));
        assertEquals("index,label,exit_pred,exit_entropy_nats,cloud_pred", lines.get(0));
        List<Reference> references = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            references.add(new Reference(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    Double.parseDouble(f[3]), Integer.parseInt(f[4])));
            assertEquals(references.size() - 1, references.get(references.size() - 1).index(), "rows in index order");
        }
        return references;
    }
}
