package io.hybridfog.onnx;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The manifest headers that make a bundle a model bundle (docs/model-format.md):
 * <pre>
 * HybridFog-Model: fashion-mnist-hybrid
 * HybridFog-Model-Version: 1.0.0
 * HybridFog-Partitions: edge=models/edge.onnx,cloud=models/cloud.onnx
 * HybridFog-Checksums: edge=sha256:&lt;64 hex digits&gt;,cloud=sha256:&lt;64 hex digits&gt;   (optional)
 * </pre>
 *
 * @param model      model name; must equal the metadata's {@code model}
 * @param version    model version; must equal the metadata's {@code version}
 * @param partitions entry path inside the bundle of each partition it carries (one or both)
 * @param sha256     expected SHA-256 of each partition file, lower-case hex; empty if the bundle has no checksums
 */
public record ModelBundleHeaders(String model, String version, Map<PartitionKind, String> partitions,
                                 Map<PartitionKind, String> sha256) {
    public static final String MODEL = "HybridFog-Model";
    public static final String MODEL_VERSION = "HybridFog-Model-Version";
    public static final String PARTITIONS = "HybridFog-Partitions";
    public static final String CHECKSUMS = "HybridFog-Checksums";

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /** @throws IllegalArgumentException if {@code partitions} is empty */
    public ModelBundleHeaders {
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("a model bundle carries at least one partition");
        }
        partitions = Collections.unmodifiableMap(new EnumMap<>(partitions));
        sha256 = sha256.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(sha256));
    }

    /** {@code model:version}, as {@link io.hybridfog.api.ModelDescriptor#id()} names it. */
    public String id() {
        return model + ":" + version;
    }

    /**
     * @param header a bundle's header values by name ({@code null} when absent)
     * @return empty if the bundle has no {@value #MODEL} header (it is no model bundle)
     * @throws ModelLoadException if a model bundle's headers are incomplete or malformed; the message names the header
     */
    public static Optional<ModelBundleHeaders> parse(Function<String, String> header) throws ModelLoadException {
        String model = header.apply(MODEL);
        if (model == null) {
            return Optional.empty();
        }
        String version = header.apply(MODEL_VERSION);
        if (model.isBlank() || version == null || version.isBlank()) {
            throw new ModelLoadException("a model bundle needs non-empty " + MODEL + " and " + MODEL_VERSION + " headers");
        }
        Map<PartitionKind, String> partitions = keyValues(PARTITIONS, header.apply(PARTITIONS));
        if (partitions.isEmpty()) {
            throw new ModelLoadException("header " + PARTITIONS + " is missing or empty (e.g. edge=models/edge.onnx,cloud=models/cloud.onnx)");
        }
        Map<PartitionKind, String> sha256 = checksums(header.apply(CHECKSUMS), partitions);
        return Optional.of(new ModelBundleHeaders(model.trim(), version.trim(), partitions, sha256));
    }

    private static Map<PartitionKind, String> checksums(String value, Map<PartitionKind, String> partitions)
            throws ModelLoadException {
        Map<PartitionKind, String> checksums = keyValues(CHECKSUMS, value);
        if (value == null) {
            return checksums;
        }
        // A checksum header that misses a partition would silently skip its verification.
        if (!checksums.keySet().equals(partitions.keySet())) {
            throw new ModelLoadException("header " + CHECKSUMS + " covers " + checksums.keySet() + " but "
                    + PARTITIONS + " lists " + partitions.keySet());
        }
        Map<PartitionKind, String> hex = new EnumMap<>(PartitionKind.class);
        for (Map.Entry<PartitionKind, String> entry : checksums.entrySet()) {
            String checksum = entry.getValue();
            int colon = checksum.indexOf(':');
            String algorithm = colon < 0 ? "" : checksum.substring(0, colon);
            String digest = checksum.substring(colon + 1).toLowerCase(Locale.ROOT);
            if (!algorithm.equals("sha256") || !SHA256_HEX.matcher(digest).matches()) {
                throw new ModelLoadException("header " + CHECKSUMS + ": " + entry.getKey() + "=" + checksum
                        + " is not sha256:<64 hex digits>");
            }
            hex.put(entry.getKey(), digest);
        }
        return hex;
    }

    /** Parses {@code edge=a,cloud=b}; {@code null} gives an empty map. */
    private static Map<PartitionKind, String> keyValues(String headerName, String value) throws ModelLoadException {
        Map<PartitionKind, String> out = new EnumMap<>(PartitionKind.class);
        if (value == null || value.isBlank()) {
            return out;
        }
        for (String clause : value.split(",")) {
            int eq = clause.indexOf('=');
            String key = eq < 0 ? "" : clause.substring(0, eq).trim();
            String item = eq < 0 ? "" : clause.substring(eq + 1).trim();
            if (item.isEmpty()) {
                throw new ModelLoadException("header " + headerName + ": '" + clause.trim() + "' is not partition=value");
            }
            PartitionKind kind;
            try {
                kind = PartitionKind.fromKey(key);
            } catch (ModelLoadException e) {
                throw new ModelLoadException("header " + headerName + ": " + e.getMessage());
            }
            if (out.put(kind, item) != null) {
                throw new ModelLoadException("header " + headerName + " names the " + kind + " partition twice");
            }
        }
        return out;
    }
}
