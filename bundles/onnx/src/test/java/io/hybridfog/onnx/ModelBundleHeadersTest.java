package io.hybridfog.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelBundleHeadersTest {
    private static final String EDGE_SHA = "ab".repeat(32);
    private static final String CLOUD_SHA = "0F".repeat(32);

    @Test
    void parsesAFullModelBundle() throws Exception {
        ModelBundleHeaders h = ModelBundleHeaders.parse(headers(Map.of(
                ModelBundleHeaders.CHECKSUMS, "edge=sha256:" + EDGE_SHA + ", cloud=sha256:" + CLOUD_SHA))::get).orElseThrow();

        assertEquals("fashion-mnist-hybrid:1.0.0", h.id());
        assertEquals(Map.of(PartitionKind.EDGE, "models/edge.onnx", PartitionKind.CLOUD, "models/cloud.onnx"), h.partitions());
        assertEquals(Map.of(PartitionKind.EDGE, EDGE_SHA, PartitionKind.CLOUD, CLOUD_SHA.toLowerCase()), h.sha256());
    }

    @Test
    void checksumsAreOptionalAndOnePartitionIsEnough() throws Exception {
        ModelBundleHeaders h = ModelBundleHeaders.parse(headers(Map.of(
                ModelBundleHeaders.PARTITIONS, "cloud=models/cloud.onnx"))::get).orElseThrow();
        assertEquals(Map.of(PartitionKind.CLOUD, "models/cloud.onnx"), h.partitions());
        assertTrue(h.sha256().isEmpty());
    }

    @Test
    void aBundleWithoutTheModelHeaderIsNoModelBundle() throws Exception {
        assertTrue(ModelBundleHeaders.parse(Map.of("Bundle-SymbolicName", "x")::get).isEmpty());
    }

    @Test
    void rejectsIncompleteOrMalformedHeaders() {
        assertRejected(Map.of(ModelBundleHeaders.MODEL_VERSION, " "), "needs non-empty HybridFog-Model and HybridFog-Model-Version");
        assertRejected(Map.of(ModelBundleHeaders.PARTITIONS, ""), "HybridFog-Partitions is missing or empty");
        assertRejected(Map.of(ModelBundleHeaders.PARTITIONS, "middle=models/x.onnx"), "unknown partition 'middle'");
        assertRejected(Map.of(ModelBundleHeaders.PARTITIONS, "edge"), "'edge' is not partition=value");
        assertRejected(Map.of(ModelBundleHeaders.PARTITIONS, "edge=a.onnx,edge=b.onnx"), "names the edge partition twice");
        assertRejected(Map.of(ModelBundleHeaders.CHECKSUMS, "edge=sha256:" + EDGE_SHA),
                "HybridFog-Checksums covers [edge] but HybridFog-Partitions lists [edge, cloud]");
        assertRejected(Map.of(ModelBundleHeaders.CHECKSUMS, "edge=md5:" + EDGE_SHA + ",cloud=sha256:" + CLOUD_SHA),
                "edge=md5:" + EDGE_SHA + " is not sha256:<64 hex digits>");
        assertRejected(Map.of(ModelBundleHeaders.CHECKSUMS, "edge=sha256:abc,cloud=sha256:" + CLOUD_SHA),
                "edge=sha256:abc is not sha256:<64 hex digits>");
    }

    private static void assertRejected(Map<String, String> overrides, String expectedMessagePart) {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ModelBundleHeaders.parse(headers(overrides)::get));
        assertTrue(e.getMessage().contains(expectedMessagePart),
                () -> "message '" + e.getMessage() + "' should contain '" + expectedMessagePart + "'");
    }

    private static Map<String, String> headers(Map<String, String> overrides) {
        Map<String, String> headers = new HashMap<>(Map.of(
                ModelBundleHeaders.MODEL, "fashion-mnist-hybrid",
                ModelBundleHeaders.MODEL_VERSION, "1.0.0",
                ModelBundleHeaders.PARTITIONS, "edge=models/edge.onnx,cloud=models/cloud.onnx"));
        headers.putAll(overrides);
        return headers;
    }
}
