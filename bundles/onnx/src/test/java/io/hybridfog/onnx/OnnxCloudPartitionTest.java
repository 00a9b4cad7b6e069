package io.hybridfog.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxCloudPartitionTest {
    private static OnnxEdgePartition edge;
    private static OnnxCloudPartition cloud;
    private static IdxImages images;

    @BeforeAll
    static void load() throws Exception {
        edge = ModelFiles.loadEdge();
        cloud = ModelFiles.loadCloud();
        images = ModelFiles.testImages();
    }

    @AfterAll
    static void close() {
        edge.close();
        cloud.close();
    }

    @Test
    void finishesTheInferenceOfABatch() throws Exception {
        Tensor features = edge.run(images.normalized(0, 3, edge.descriptor().input())).features();

        Tensor logits = cloud.run(features);

        assertArrayEquals(new long[] {3, 10}, logits.shape());
        for (float logit : logits.data()) {
            assertTrue(Float.isFinite(logit));
        }
    }

    @Test
    void rejectsAWrongFeatureShape() {
        Tensor features = new Tensor(new long[] {2, 64, 7, 7}, new float[2 * 64 * 7 * 7]);
        HybridFogException e = assertThrows(HybridFogException.class, () -> cloud.run(features));
        assertEquals(ErrorCode.WRONG_SHAPE, e.code());
        assertTrue(e.getMessage().contains("expects shape [N, 128, 7, 7], got [2, 64, 7, 7]"), e.getMessage());
    }

    @Test
    void aClosedPartitionFailsWithUnknownModel() throws Exception {
        OnnxCloudPartition closing = ModelFiles.loadCloud();
        closing.close();
        Tensor features = new Tensor(new long[] {1, 128, 7, 7}, new float[128 * 7 * 7]);
        HybridFogException e = assertThrows(HybridFogException.class, () -> closing.run(features));
        assertEquals(ErrorCode.UNKNOWN_MODEL, e.code());
        assertTrue(e.getMessage().contains("cloud partition fashion-mnist-hybrid:"), e.getMessage());
    }

    @Test
    void refusesAnEdgePartitionFile() throws Exception {
        try (var options = OnnxPartitions.sessionOptions(1)) {
            ModelLoadException e = assertThrows(ModelLoadException.class,
                    () -> OnnxPartitions.loadCloud(ModelFiles.environment(), ModelFiles.edge(), options));
            assertTrue(e.getMessage().contains("holds the edge partition"), e.getMessage());
        }
    }
}
