package io.hybridfog.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hybridfog.api.MacCounts;
import io.hybridfog.api.ModelDescriptor;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ModelMetadataParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The document models/fashion-mnist/train.py writes (write_artifacts), with round numbers. */
    private static final String EXAMPLE = """
            {"model": "fashion-mnist-hybrid", "version": "1.0.0", "partition": "edge",
             "labels": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
             "input": {"name": "image", "shape": [1, 28, 28], "layout": "NCHW", "dtype": "float32",
                       "pixel_scale": 255.0, "mean": [0.286], "std": [0.353], "color": "grayscale"},
             "exit_output": "exit_logits", "features_output": "features",
             "features": {"name": "features", "shape": [128, 7, 7], "dtype": "float32", "values": "binary"},
             "cloud_output": "logits",
             "macs": {"edge": {"1": 14450688, "32": 288512}, "edge_exit_fp32": 62720,
                      "cloud": {"32": 14451968}, "reference_fp32": 29128448},
             "exit_policy": {"name": "entropy", "threshold": 0.5, "unit": "nats", "calibration": "validation split"}}
            """;

    @Test
    void parsesEveryFieldOfTheExample() throws Exception {
        ModelMetadata metadata = ModelMetadataParser.parse(EXAMPLE);
        ModelDescriptor d = metadata.descriptor();

        assertEquals(PartitionKind.EDGE, metadata.partition());
        assertEquals("fashion-mnist-hybrid:1.0.0", d.id());
        assertEquals(10, d.numClasses());
        assertEquals("Ankle boot", d.labels().get(9));
        assertEquals("image", d.input().name());
        assertArrayEquals(new long[] {1, 28, 28}, d.input().shape());
        assertEquals(255f, d.input().pixelScale());
        assertArrayEquals(new float[] {0.286f}, d.input().mean());
        assertArrayEquals(new float[] {0.353f}, d.input().std());
        assertEquals("grayscale", d.input().color());
        assertEquals("features", d.features().name());
        assertArrayEquals(new long[] {128, 7, 7}, d.features().shape());
        assertTrue(d.features().binary());
        assertEquals("exit_logits", d.exitOutput());
        assertEquals("features", d.featuresOutput());
        assertEquals("logits", d.cloudOutput());
        assertEquals(new MacCounts(Map.of(1, 14450688L, 32, 288512L), 62720, Map.of(32, 14451968L), 29128448), d.macs());
        assertEquals("entropy", d.exitPolicy().policy());
        assertEquals(0.5, d.exitPolicy().threshold());
        assertEquals("nats", d.exitPolicy().unit());
    }

    @Test
    void parsesTheCommittedPartitionsMetadata() throws Exception {
        try (var options = OnnxPartitions.sessionOptions(1);
             OrtSession edge = ModelFiles.environment().createSession(ModelFiles.edge(), options);
             OrtSession cloud = ModelFiles.environment().createSession(ModelFiles.cloud(), options)) {
            ModelMetadata edgeMetadata = OnnxPartitions.metadata(edge);
            ModelMetadata cloudMetadata = OnnxPartitions.metadata(cloud);
            assertEquals(PartitionKind.EDGE, edgeMetadata.partition());
            assertEquals(PartitionKind.CLOUD, cloudMetadata.partition());

            ModelDescriptor d = edgeMetadata.descriptor();
            assertEquals("fashion-mnist-hybrid", d.name());
            assertEquals(d.id(), cloudMetadata.descriptor().id());
            assertEquals(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"), d.labels());
            assertArrayEquals(new long[] {1, 28, 28}, d.input().shape());
            assertArrayEquals(new float[] {0.2860f}, d.input().mean());
            assertArrayEquals(new float[] {0.3530f}, d.input().std());
            assertArrayEquals(new long[] {128, 7, 7}, d.features().shape());
            assertTrue(d.features().binary());
            MacCounts macs = d.macs();
            assertEquals(128 * 7 * 7 * 10, macs.edgeExitFp32());
            long edgeTotal = macs.edgeByBits().values().stream().mapToLong(Long::longValue).sum();
            long cloudTotal = macs.cloudByBits().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(edgeTotal - macs.edgeExitFp32() + cloudTotal, macs.referenceFp32());
            assertEquals("entropy", d.exitPolicy().policy());
            assertEquals("nats", d.exitPolicy().unit());
            assertTrue(d.exitPolicy().threshold() >= 0 && d.exitPolicy().threshold() <= Math.log(10) + 1e-5);
        }
    }

    @Test
    void featuresWithoutValuesAreReal() throws Exception {
        assertFalse(parseModified(root -> ((ObjectNode) root.get("features")).remove("values")).descriptor().features().binary());
    }

    @Test
    void namesTheMissingField() {
        assertRejected(root -> root.remove("features"), "metadata field 'features' is missing");
        assertRejected(root -> ((ObjectNode) root.get("input")).remove("std"), "metadata field 'input.std' is missing");
        assertRejected(root -> ((ObjectNode) root.get("macs")).remove("reference_fp32"), "'macs.reference_fp32' is missing");
    }

    @Test
    void namesTheFieldWithAWrongType() {
        assertRejected(root -> root.put("labels", "T-shirt"), "'labels' must be a non-empty array");
        assertRejected(root -> ((ObjectNode) root.get("input")).putArray("shape").add(1).add(-28).add(28),
                "'input.shape' must be an array of integers >= 1");
        assertRejected(root -> ((ObjectNode) root.get("exit_policy")).put("threshold", "low"),
                "'exit_policy.threshold' must be a finite number");
        assertRejected(root -> ((ObjectNode) root.get("macs").get("edge")).put("one", 5), "'macs.edge.one' is not a bit-width");
    }

    @Test
    void rejectsInconsistentValues() {
        assertRejected(root -> root.put("partition", "middle"), "unknown partition 'middle'");
        assertRejected(root -> ((ObjectNode) root.get("input")).putArray("mean").add(0.1).add(0.2), "one value per channel (1)");
        assertRejected(root -> ((ObjectNode) root.get("input")).put("layout", "NHWC"), "'input.layout' must be NCHW, is 'NHWC'");
        assertRejected(root -> ((ObjectNode) root.get("input")).put("color", "rgb"), "has 1 channels but color is rgb");
        assertRejected(root -> ((ObjectNode) root.get("input")).putArray("std").add(0.0), "'input.std' must be > 0");
        assertRejected(root -> ((ObjectNode) root.get("features")).put("values", "ternary"), "'features.values' must be binary or real");
    }

    @Test
    void rejectsDocumentsThatAreNotAJsonObject() {
        assertTrue(assertThrows(ModelLoadException.class, () -> ModelMetadataParser.parse("{\"model\": "))
                .getMessage().startsWith("metadata is not valid JSON"));
        assertEquals("metadata must be a JSON object",
                assertThrows(ModelLoadException.class, () -> ModelMetadataParser.parse("[1, 2]")).getMessage());
    }

    private static ModelMetadata parseModified(Consumer<ObjectNode> change) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(EXAMPLE);
        change.accept(root);
        return ModelMetadataParser.parse(JSON.writeValueAsString(root));
    }

    private static void assertRejected(Consumer<ObjectNode> change, String expectedMessagePart) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> parseModified(change));
        assertTrue(e.getMessage().contains(expectedMessagePart),
                () -> "message '" + e.getMessage() + "' should contain '" + expectedMessagePart + "'");
    }
}
