package io.hybridfog.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxEdgePartitionTest {
    private static OnnxEdgePartition edge;
    private static IdxImages images;

    @BeforeAll
    static void load() throws Exception {
        edge = ModelFiles.loadEdge();
        images = ModelFiles.testImages();
    }

    @AfterAll
    static void close() {
        edge.close();
    }

    @Test
    void producesExitLogitsAndBinaryFeaturesForABatch() throws Exception {
        EdgeOutput out = edge.run(images.normalized(0, 4, edge.descriptor().input()));

        assertArrayEquals(new long[] {4, 10}, out.exitLogits().shape());
        assertArrayEquals(new long[] {4, 128, 7, 7}, out.features().shape());
        for (float logit : out.exitLogits().data()) {
            assertTrue(Float.isFinite(logit), "exit logits must be finite");
        }
        int plus = 0;
        for (float value : out.features().data()) {
            assertTrue(value == 1f || value == -1f, () -> "binary feature value " + value);
            plus += value == 1f ? 1 : 0;
        }
        // Not a constant tensor: both signs occur.
        assertTrue(plus > 0 && plus < out.features().size(), "features should hold both -1 and +1, +1 count " + plus);
    }

    @Test
    void aBatchGivesWhatEachSampleGivesAlone() throws Exception {
        int n = 5;
        EdgeOutput batch = edge.run(images.normalized(10, n, edge.descriptor().input()));
        for (int i = 0; i < n; i++) {
            EdgeOutput single = edge.run(images.normalized(10 + i, 1, edge.descriptor().input()));
            assertArrayEquals(single.features().data(), slice(batch.features(), i), "features of sample " + i);
            float[] batchLogits = slice(batch.exitLogits(), i);
            for (int c = 0; c < 10; c++) {
                assertEquals(single.exitLogits().data()[c], batchLogits[c], 1e-4, "logit " + c + " of sample " + i);
            }
        }
    }

    @Test
    void rejectsAWrongInputShape() {
        assertWrongShape(new long[] {1, 1, 28, 27}, "[1, 1, 28, 27]");
        assertWrongShape(new long[] {2, 3, 28, 28}, "[2, 3, 28, 28]");
        assertWrongShape(new long[] {1, 28, 28}, "[1, 28, 28]");
    }

    @Test
    void aClosedPartitionFailsWithUnknownModel() throws Exception {
        OnnxEdgePartition closing = ModelFiles.loadEdge();
        Tensor input = images.normalized(0, 1, closing.descriptor().input());
        closing.run(input);

        closing.close();
        closing.close(); // idempotent

        assertTrue(closing.isClosed());
        HybridFogException e = assertThrows(HybridFogException.class, () -> closing.run(input));
        assertEquals(ErrorCode.UNKNOWN_MODEL, e.code());
        assertTrue(e.getMessage().contains("edge partition fashion-mnist-hybrid:") && e.getMessage().contains("is closed"),
                e.getMessage());
    }

    @Test
    void refusesACloudPartitionFileAndGarbage() throws Exception {
        try (var options = OnnxPartitions.sessionOptions(1)) {
            ModelLoadException wrongKind = assertThrows(ModelLoadException.class,
                    () -> OnnxPartitions.loadEdge(ModelFiles.environment(), ModelFiles.cloud(), options));
            assertTrue(wrongKind.getMessage().contains("holds the cloud partition"), wrongKind.getMessage());

            ModelLoadException garbage = assertThrows(ModelLoadException.class,
                    () -> OnnxPartitions.loadEdge(ModelFiles.environment(), new byte[] {1, 2, 3}, options));
            assertTrue(garbage.getMessage().startsWith("ONNX Runtime cannot load the edge partition"), garbage.getMessage());
        }
    }

    private static void assertWrongShape(long[] shape, String shownShape) {
        long size = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        Tensor input = new Tensor(shape, new float[(int) size]);
        HybridFogException e = assertThrows(HybridFogException.class, () -> edge.run(input));
        assertEquals(ErrorCode.WRONG_SHAPE, e.code());
        assertTrue(e.getMessage().contains("expects shape [N, 1, 28, 28], got " + shownShape), e.getMessage());
    }

    static float[] slice(Tensor tensor, int sample) {
        int per = tensor.size() / (int) tensor.shape()[0];
        return Arrays.copyOfRange(tensor.data(), sample * per, (sample + 1) * per);
    }
}
