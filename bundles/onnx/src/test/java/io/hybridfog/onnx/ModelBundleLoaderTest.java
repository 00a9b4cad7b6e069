package io.hybridfog.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model bundle jars written here the way models/model-bundle.bnd lays them out. */
class ModelBundleLoaderTest {
    private static byte[] edge;
    private static byte[] cloud;
    private static String version;

    @TempDir
    Path dir;

    @BeforeAll
    static void readModel() throws Exception {
        edge = ModelFiles.edge();
        cloud = ModelFiles.cloud();
        try (OnnxEdgePartition partition = ModelFiles.loadEdge()) {
            version = partition.descriptor().version();
        }
    }

    @Test
    void loadsAVerifiedModelBundleAndRunsEdgeThenCloud() throws Exception {
        Path jar = modelBundle(Map.of(ModelBundleHeaders.CHECKSUMS,
                "edge=sha256:" + sha256(edge) + ",cloud=sha256:" + sha256(cloud)));

        try (ModelBundle model = load(jar)) {
            assertEquals("fashion-mnist-hybrid:" + version, model.id());
            OnnxEdgePartition e = model.edge().orElseThrow();
            OnnxCloudPartition c = model.cloud().orElseThrow();
            Tensor logits = c.run(e.run(ModelFiles.testImages().normalized(0, 2, e.descriptor().input())).features());
            assertArrayEquals(new long[] {2, 10}, logits.shape());
        }
    }

    @Test
    void loadsABundleWithOnlyTheCloudPartition() throws Exception {
        Path jar = modelBundle(Map.of(ModelBundleHeaders.PARTITIONS, "cloud=models/cloud.onnx"));
        try (ModelBundle model = load(jar)) {
            assertTrue(model.edge().isEmpty());
            assertTrue(model.cloud().isPresent());
        }
    }

    @Test
    void rejectsAChecksumMismatch() throws Exception {
        Path jar = modelBundle(Map.of(ModelBundleHeaders.CHECKSUMS,
                "edge=sha256:" + sha256(cloud) + ",cloud=sha256:" + sha256(cloud)));
        assertRejected(jar, "SHA-256 of models/edge.onnx is " + sha256(edge) + " but HybridFog-Checksums says " + sha256(cloud));
    }

    @Test
    void rejectsHeadersThatNameAnotherVersion() throws Exception {
        Path jar = modelBundle(Map.of(ModelBundleHeaders.MODEL_VERSION, "99.0.0"));
        assertRejected(jar, "metadata says fashion-mnist-hybrid:" + version + " but the headers "
                + "HybridFog-Model/HybridFog-Model-Version say fashion-mnist-hybrid:99.0.0");
    }

    @Test
    void rejectsAMissingEntryAndSwappedPartitions() throws Exception {
        assertRejected(modelBundle(Map.of(ModelBundleHeaders.PARTITIONS, "edge=models/missing.onnx")),
                "the edge partition models/missing.onnx named in HybridFog-Partitions is not in the bundle");
        assertRejected(modelBundle(Map.of(ModelBundleHeaders.PARTITIONS, "edge=models/cloud.onnx")),
                "holds the cloud partition");
    }

    @Test
    void rejectsAJarThatIsNoModelBundle() throws Exception {
        Path jar = dir.resolve("plain.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            // manifest only
        }
        assertRejected(jar, "has no HybridFog-Model header");
    }

    private static ModelBundle load(Path jar) throws Exception {
        try (var options = OnnxPartitions.sessionOptions(1)) {
            return ModelBundleLoader.loadJar(jar, ModelFiles.environment(), options);
        }
    }

    private static void assertRejected(Path jar, String expectedMessagePart) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> load(jar).close());
        assertTrue(e.getMessage().contains(expectedMessagePart),
                () -> "message '" + e.getMessage() + "' should contain '" + expectedMessagePart + "'");
    }

    private Path modelBundle(Map<String, String> headerOverrides) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Bundle-SymbolicName", "io.hybridfog.model.test");
        headers.put(ModelBundleHeaders.MODEL, "fashion-mnist-hybrid");
        headers.put(ModelBundleHeaders.MODEL_VERSION, version);
        headers.put(ModelBundleHeaders.PARTITIONS, "edge=models/edge.onnx,cloud=models/cloud.onnx");
        headers.putAll(headerOverrides);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.forEach((name, value) -> manifest.getMainAttributes().putValue(name, value));

        Path jar = Files.createTempFile(dir, "model-", ".jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Map.Entry<String, byte[]> entry : Map.of("models/edge.onnx", edge, "models/cloud.onnx", cloud).entrySet()) {
                out.putNextEntry(new JarEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        }
        return jar;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
