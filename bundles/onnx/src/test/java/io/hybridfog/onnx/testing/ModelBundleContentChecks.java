package io.hybridfog.onnx.testing;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The checks every model bundle module runs on the content bnd laid out (target/classes, which becomes the jar), with
 * the code the OSGi extender runs: a model bundle that would be refused at run time fails the build instead. A
 * module's test extends this class with its model name; the module passes {@code bundle.content.dir} and
 * {@code hybridfog.model.version} as system properties and keeps edge.onnx and cloud.onnx in its folder.
 */
public abstract class ModelBundleContentChecks {
    private static final Path CONTENT = Path.of(System.getProperty("bundle.content.dir", "target/classes"));
    private static final String VERSION = System.getProperty("hybridfog.model.version");
    private final String modelName;
    private Attributes manifest;

    /** @param model the model name ({@code HybridFog-Model}) the bundle must carry */
    protected ModelBundleContentChecks(String model) {
        this.modelName = model;
    }

    @BeforeEach
    void readManifest() throws Exception {
        try (InputStream in = Files.newInputStream(CONTENT.resolve("META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in).getMainAttributes();
        }
    }

    @Test
    public void headersNameTheModelAndItsPartitions() throws Exception {
        assertEquals("io.hybridfog.model." + modelName, manifest.getValue("Bundle-SymbolicName"));
        assertEquals(VERSION, manifest.getValue("Bundle-Version"));
        ModelBundleHeaders headers = ModelBundleHeaders.parse(manifest::getValue).orElseThrow();
        assertEquals(modelName, headers.model());
        assertEquals(VERSION, headers.version());
        assertEquals(Map.of(PartitionKind.EDGE, "models/edge.onnx", PartitionKind.CLOUD, "models/cloud.onnx"), headers.partitions());
        assertEquals(sha256(Path.of("edge.onnx")), headers.sha256().get(PartitionKind.EDGE));
        assertEquals(sha256(Path.of("cloud.onnx")), headers.sha256().get(PartitionKind.CLOUD));
    }

    @Test
    public void holdsNoCodeAndImportsNothing() throws Exception {
        for (String header : List.of("Import-Package", "Export-Package", "Require-Capability", "Provide-Capability", "Bundle-Activator")) {
            assertNull(manifest.getValue(header), header);
        }
        try (Stream<Path> files = Files.walk(CONTENT)) {
            List<String> content = files.filter(Files::isRegularFile).map(p -> CONTENT.relativize(p).toString()).sorted().toList();
            assertEquals(List.of("META-INF/MANIFEST.MF", "models/cloud.onnx", "models/edge.onnx", "models/metrics.json"), content);
        }
    }

    @Test
    public void theExtendersLoaderAcceptsTheBundle() throws Exception {
        ModelBundleHeaders headers = ModelBundleHeaders.parse(manifest::getValue).orElseThrow();
        try (SessionOptions options = OnnxPartitions.sessionOptions(1);
             ModelBundle model = ModelBundleLoader.load(headers, path -> Files.readAllBytes(CONTENT.resolve(path)),
                     OnnxPartitions.sharedEnvironment(), options)) {
            assertEquals(modelName + ":" + VERSION, model.edge().orElseThrow().descriptor().id());
            assertEquals(modelName + ":" + VERSION, model.cloud().orElseThrow().descriptor().id());
        }
    }

    @Test
    public void metricsAreOfTheSameVersion() throws Exception {
        var metrics = new ObjectMapper().readTree(CONTENT.resolve("models/metrics.json").toFile());
        assertEquals(modelName, metrics.get("model").asText());
        assertEquals(VERSION, metrics.get("version").asText());
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
