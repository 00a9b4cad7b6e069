package io.hybridfog.demo;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.ModelMetadataParser;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/** Finding model bundle jars and reading what the runtime's loader does not expose (optional metadata keys, metrics). */
final class ModelBundleJars {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelBundleJars() {
    }

    /** {@code HybridFog-Model} of a jar, or empty if it is no model bundle. */
    static Optional<String> modelName(Path jar) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            return f.getManifest() == null ? Optional.empty()
                    : Optional.ofNullable(f.getManifest().getMainAttributes().getValue(ModelBundleHeaders.MODEL));
        }
    }

    /**
     * Model bundle jars of a data set: every jar in {@code folder} (sorted by file name) whose model matches.
     * A missing folder yields none.
     */
    static List<Path> ofDataset(Path folder, DatasetSpec dataset) throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return found;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                if (modelName(jar).filter(dataset::matches).isPresent()) {
                    found.add(jar);
                }
            }
        }
        return found;
    }

    /**
     * The {@code hybridfog} metadata document of a partition as JSON, unknown keys included. ModelDescriptor keeps
     * only the keys the runtime needs, so this opens the ONNX file once more, without graph optimizations.
     *
     * @param entry the partition's path inside the jar (from {@code HybridFog-Partitions})
     */
    static JsonNode metadataDocument(Path jar, String entry, OrtEnvironment env) throws IOException, OrtException {
        byte[] onnx = read(jar, entry).orElseThrow(() -> new IOException(jar + " has no entry " + entry));
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = env.createSession(onnx, options)) {
                String json = session.getMetadata().getCustomMetadata().get(ModelMetadataParser.METADATA_KEY);
                return json == null ? JSON.createObjectNode() : JSON.readTree(json);
            }
        }
    }

    /** The training/evaluation figures a model bundle ships next to its partitions ({@code models/metrics.json}), if any. */
    static Optional<JsonNode> metrics(Path jar, String partitionEntry) throws IOException {
        int slash = partitionEntry.lastIndexOf('/');
        String entry = (slash < 0 ? "" : partitionEntry.substring(0, slash + 1)) + "metrics.json";
        Optional<byte[]> bytes = read(jar, entry);
        return bytes.isEmpty() ? Optional.empty() : Optional.of(JSON.readTree(bytes.get()));
    }

    private static Optional<byte[]> read(Path jar, String entry) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            ZipEntry e = f.getEntry(entry);
            if (e == null) {
                return Optional.empty();
            }
            try (InputStream in = f.getInputStream(e)) {
                return Optional.of(in.readAllBytes());
            }
        }
    }
}
