package io.hybridfog.demo.data;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.ModelLoadException;
import io.hybridfog.onnx.ModelMetadataParser;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.onnx.PartitionKind;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/** Finding model bundle jars and reading what the runtime's loader does not expose (optional metadata keys, metrics). */
public final class ModelBundleJars {
    private static final ObjectMapper JSON = DatasetSpec.JSON;

    private ModelBundleJars() {
    }

    /**
     * A model bundle jar and what selecting it by data set needs.
     *
     * @param jar      the jar
     * @param model    {@code HybridFog-Model}
     * @param version  {@code HybridFog-Model-Version}
     * @param edgeEntry the edge partition's path in the jar, or null if it has none (or invalid headers)
     * @param metadata  the edge partition's metadata document (empty if the bundle has no edge partition)
     */
    public record Installed(Path jar, String model, String version, String edgeEntry, JsonNode metadata) {
        /** The metadata's optional {@code dataset} key, or null. */
        public String dataset() {
            JsonNode d = metadata.path("dataset");
            return d.isTextual() ? d.asText() : null;
        }

        /** The metadata's {@code labels} (empty if absent). */
        public List<String> labels() {
            List<String> labels = new ArrayList<>();
            metadata.path("labels").forEach(l -> labels.add(l.asText()));
            return labels;
        }

        @Override
        public String toString() {
            return model + " " + version + " (" + jar.getFileName() + ")";
        }
    }

    /**
     * Every model bundle jar in {@code folder} (sorted by file name) with its edge metadata; a missing folder yields
     * none. Reads each edge partition's metadata with ONNX Runtime (no graph optimization).
     */
    public static List<Installed> installed(Path folder) throws IOException {
        List<Installed> found = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return found;
        }
        List<Path> jars;
        try (Stream<Path> files = Files.list(folder)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        for (Path jar : jars) {
            Optional<Installed> m = bundle(jar);
            m.ifPresent(found::add);
        }
        return found;
    }

    /** The jar as a model bundle, or empty if it is none (no {@code HybridFog-Model} header). */
    public static Optional<Installed> bundle(Path jar) throws IOException {
        Attributes main;
        try (JarFile f = new JarFile(jar.toFile())) {
            if (f.getManifest() == null || f.getManifest().getMainAttributes().getValue(ModelBundleHeaders.MODEL) == null) {
                return Optional.empty();
            }
            main = f.getManifest().getMainAttributes();
        }
        JsonNode metadata = JSON.createObjectNode();
        String edgeEntry = null;
        try {
            edgeEntry = ModelBundleHeaders.parse(main::getValue).map(h -> h.partitions().get(PartitionKind.EDGE)).orElse(null);
            if (edgeEntry != null) {
                metadata = metadataDocument(jar, edgeEntry, OnnxPartitions.sharedEnvironment());
            }
        } catch (ModelLoadException | OrtException | IOException e) {
            // an invalid bundle: selected by its name only; the extender rejects it with the reason when it starts
        }
        return Optional.of(new Installed(jar, main.getValue(ModelBundleHeaders.MODEL),
                String.valueOf(main.getValue(ModelBundleHeaders.MODEL_VERSION)), edgeEntry, metadata));
    }

    /**
     * The {@code hybridfog} metadata document of a partition as JSON, unknown keys included. ModelDescriptor keeps
     * only the keys the runtime needs, so this opens the ONNX file once more, without graph optimizations.
     *
     * @param entry the partition's path inside the jar (from {@code HybridFog-Partitions})
     */
    public static JsonNode metadataDocument(Path jar, String entry, OrtEnvironment env) throws IOException, OrtException {
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
    public static Optional<JsonNode> metrics(Path jar, String partitionEntry) throws IOException {
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
