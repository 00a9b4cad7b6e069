package io.hybridfog.onnx.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.onnxruntime.OrtSession.SessionOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.onnx.ModelBundle;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.ModelBundleLoader;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.onnx.PartitionKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The checks every model bundle passes at build time, with the code the OSGi extender runs, so that a bundle that
 * would be refused at run time fails the build instead: headers naming the model, version and partitions; SHA-256
 * checksums of the partitions in {@code sourceDir}; no code, no imports, exactly the three files; the extender's
 * loader accepts it; metrics.json of the same model and version.
 */
public final class ModelBundleCheck {
    private ModelBundleCheck() {
    }

    /**
     * @param bundle    a bundle jar, or the folder bnd laid its content out in
     * @param sourceDir the folder holding the edge.onnx and cloud.onnx the bundle was built from
     * @param model     the model name ({@code HybridFog-Model}) the bundle must carry
     * @param version   the model version ({@code HybridFog-Model-Version}, also the bundle version)
     */
    public static void verify(Path bundle, Path sourceDir, String model, String version) throws Exception {
        Map<String, byte[]> content = read(bundle);
        Attributes manifest = new Manifest(new ByteArrayInputStream(content.get("META-INF/MANIFEST.MF"))).getMainAttributes();
        String where = bundle + ": ";

        assertEquals("io.hybridfog.model." + model, manifest.getValue("Bundle-SymbolicName"), where + "Bundle-SymbolicName");
        assertEquals(version, manifest.getValue("Bundle-Version"), where + "Bundle-Version");
        ModelBundleHeaders headers = ModelBundleHeaders.parse(manifest::getValue).orElseThrow();
        assertEquals(model, headers.model(), where + "HybridFog-Model");
        assertEquals(version, headers.version(), where + "HybridFog-Model-Version");
        assertEquals(Map.of(PartitionKind.EDGE, "models/edge.onnx", PartitionKind.CLOUD, "models/cloud.onnx"), headers.partitions());
        assertEquals(sha256(Files.readAllBytes(sourceDir.resolve("edge.onnx"))), headers.sha256().get(PartitionKind.EDGE));
        assertEquals(sha256(Files.readAllBytes(sourceDir.resolve("cloud.onnx"))), headers.sha256().get(PartitionKind.CLOUD));

        for (String header : List.of("Import-Package", "Export-Package", "Require-Capability", "Provide-Capability", "Bundle-Activator")) {
            assertNull(manifest.getValue(header), where + header);
        }
        assertEquals(List.of("META-INF/MANIFEST.MF", "models/cloud.onnx", "models/edge.onnx", "models/metrics.json"),
                List.copyOf(content.keySet()), where + "content");

        try (SessionOptions options = OnnxPartitions.sessionOptions(1);
             ModelBundle loaded = ModelBundleLoader.load(headers, content::get, OnnxPartitions.sharedEnvironment(), options)) {
            assertEquals(model + ":" + version, loaded.edge().orElseThrow().descriptor().id());
            assertEquals(model + ":" + version, loaded.cloud().orElseThrow().descriptor().id());
        }

        JsonNode metrics = new ObjectMapper().readTree(content.get("models/metrics.json"));
        assertEquals(model, metrics.get("model").asText(), where + "metrics.json model");
        assertEquals(version, metrics.get("version").asText(), where + "metrics.json version");
    }

    /** The files of a jar or a folder (directories left out), by path, sorted. */
    static Map<String, byte[]> read(Path bundle) throws IOException {
        Map<String, byte[]> content = new TreeMap<>();
        if (Files.isDirectory(bundle)) {
            try (Stream<Path> files = Files.walk(bundle)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    content.put(bundle.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
                }
            }
            return content;
        }
        try (ZipFile zip = new ZipFile(bundle.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                if (!e.isDirectory()) {
                    content.put(e.getName(), zip.getInputStream(e).readAllBytes());
                }
            }
        }
        return content;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
