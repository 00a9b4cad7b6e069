package io.hybridfog.model.cifar10;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession.SessionOptions;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.onnx.ModelBundle;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.ModelBundleLoader;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.onnx.PartitionKind;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the bundle content bnd laid out (target/classes, which becomes the jar) with the code the OSGi extender
 * runs: a model bundle that would be refused at run time fails the build instead.
 */
class ModelBundleContentTest {
    private static final Path CONTENT = Path.of(System.getProperty("bundle.content.dir", "target/classes"));
    private static final String VERSION = System.getProperty("hybridfog.model.version");
    private static Attributes manifest;

    @BeforeAll
    static void readManifest() throws Exception {
        try (InputStream in = Files.newInputStream(CONTENT.resolve("META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in).getMainAttributes();
        }
    }

    @Test
    void headersNameTheModelAndItsPartitions() throws Exception {
        assertEquals("io.hybridfog.model.cifar10-resnet32-s2b3-b1", manifest.getValue("Bundle-SymbolicName"));
        assertEquals(VERSION, manifest.getValue("Bundle-Version"));
        ModelBundleHeaders headers = ModelBundleHeaders.parse(manifest::getValue).orElseThrow();
        assertEquals("cifar10-resnet32-s2b3-b1", headers.model());
        assertEquals(VERSION, headers.version());
        assertEquals(Map.of(PartitionKind.EDGE, "models/edge.onnx", PartitionKind.CLOUD, "models/cloud.onnx"), headers.partitions());
        assertEquals(sha256(Path.of("edge.onnx")), headers.sha256().get(PartitionKind.EDGE));
        assertEquals(sha256(Path.of("cloud.onnx")), headers.sha256().get(PartitionKind.CLOUD));
    }

    @Test
    void holdsNoCodeAndImportsNothing() throws Exception {
        for (String header : List.of("Import-Package", "Export-Package", "Require-Capability", "Provide-Capability", "Bundle-Activator")) {
            assertNull(manifest.getValue(header), header);
        }
        try (Stream<Path> files = Files.walk(CONTENT)) {
            List<String> content = files.filter(Files::isRegularFile).map(p -> CONTENT.relativize(p).toString()).sorted().toList();
            assertEquals(List.of("META-INF/MANIFEST.MF", "models/cloud.onnx", "models/edge.onnx", "models/metrics.json"), content);
        }
    }

    @Test
    void theExtendersLoaderAcceptsTheBundle() throws Exception {
        ModelBundleHeaders headers = ModelBundleHeaders.parse(manifest::getValue).orElseThrow();
        try (SessionOptions options = OnnxPartitions.sessionOptions(1);
             ModelBundle model = ModelBundleLoader.load(headers, path -> Files.readAllBytes(CONTENT.resolve(path)),
                     OnnxPartitions.sharedEnvironment(), options)) {
            assertEquals("cifar10-resnet32-s2b3-b1:" + VERSION, model.edge().orElseThrow().descriptor().id());
            assertEquals("cifar10-resnet32-s2b3-b1:" + VERSION, model.cloud().orElseThrow().descriptor().id());
        }
    }

    @Test
    void metricsAreOfTheSameVersion() throws Exception {
        var metrics = new ObjectMapper().readTree(CONTENT.resolve("models/metrics.json").toFile());
        assertEquals("cifar10-resnet32-s2b3-b1", metrics.get("model").asText());
        assertEquals(VERSION, metrics.get("version").asText());
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
