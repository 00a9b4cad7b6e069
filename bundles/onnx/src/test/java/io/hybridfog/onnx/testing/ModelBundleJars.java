package io.hybridfog.onnx.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Builds model bundles of the committed Fashion-MNIST model (models/fashion-mnist) under other version numbers, for
 * hot-swap tests: the {@code "version": "1.0.0"} of the ONNX metadata is rewritten in place (same length, so the
 * protobuf stays valid), and the manifest carries matching headers and SHA-256 checksums.
 */
public final class ModelBundleJars {
    public static final String MODEL = "fashion-mnist-hybrid";
    private static final String COMMITTED_VERSION = "1.0.0";

    /** What is wrong with a bundle, if anything. */
    public enum Defect {
        NONE,
        /** edge.onnx has one byte flipped after its checksum was computed: the checksum check fails. */
        CHECKSUM_MISMATCH,
        /** edge.onnx is cut in half and its checksum matches the cut file: ONNX Runtime cannot load it. */
        TRUNCATED_MODEL
    }

    private ModelBundleJars() {
    }

    /**
     * The bundle's entries by path ({@code models/edge.onnx}, {@code models/cloud.onnx}) and its manifest headers.
     *
     * @param modelDir folder with the committed edge.onnx and cloud.onnx
     * @param version  five characters like {@code 1.1.0} (the metadata is rewritten in place)
     */
    public static Content content(Path modelDir, String version, Defect defect) throws IOException {
        return content(modelDir, version, defect, true);
    }

    /** As {@link #content(Path, String, Defect)}; without the cloud partition if {@code withCloud} is false. */
    public static Content content(Path modelDir, String version, Defect defect, boolean withCloud) throws IOException {
        byte[] edge = withVersion(Files.readAllBytes(modelDir.resolve("edge.onnx")), version);
        byte[] cloud = withVersion(Files.readAllBytes(modelDir.resolve("cloud.onnx")), version);
        if (defect == Defect.TRUNCATED_MODEL) {
            edge = Arrays.copyOf(edge, edge.length / 2);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Bundle-ManifestVersion", "2");
        headers.put("Bundle-SymbolicName", "io.hybridfog.model." + MODEL);
        headers.put("Bundle-Version", version);
        headers.put("HybridFog-Model", MODEL);
        headers.put("HybridFog-Model-Version", version);
        headers.put("HybridFog-Partitions", "edge=models/edge.onnx" + (withCloud ? ",cloud=models/cloud.onnx" : ""));
        headers.put("HybridFog-Checksums", "edge=sha256:" + sha256(edge) + (withCloud ? ",cloud=sha256:" + sha256(cloud) : ""));
        if (defect == Defect.CHECKSUM_MISMATCH) {
            edge[edge.length / 2] ^= 0x5a;
        }
        return new Content(withCloud ? Map.of("models/edge.onnx", edge, "models/cloud.onnx", cloud)
                : Map.of("models/edge.onnx", edge), headers);
    }

    /**
     * Writes the bundle to {@code dir/fashion-mnist-hybrid-<version>[-<defect>][-edge-only].jar} and returns its path.
     */
    public static Path write(Path dir, Path modelDir, String version, Defect defect, boolean withCloud) throws IOException {
        Content c = content(modelDir, version, defect, withCloud);
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        c.headers().forEach((k, v) -> main.put(new Attributes.Name(k), v));
        Files.createDirectories(dir);
        Path jar = dir.resolve(MODEL + "-" + version + (defect == Defect.NONE ? "" : "-" + defect.name().toLowerCase())
                + (withCloud ? "" : "-edge-only") + ".jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Map.Entry<String, byte[]> e : c.entries().entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return jar;
    }

    /** @param entries bytes by entry path; @param headers manifest main attributes */
    public record Content(Map<String, byte[]> entries, Map<String, String> headers) {
    }

    private static byte[] withVersion(byte[] onnx, String version) {
        byte[] from = ("\"version\": \"" + COMMITTED_VERSION + "\"").getBytes(StandardCharsets.UTF_8);
        byte[] to = ("\"version\": \"" + version + "\"").getBytes(StandardCharsets.UTF_8);
        if (from.length != to.length) {
            throw new IllegalArgumentException("version must have " + COMMITTED_VERSION.length() + " characters: " + version);
        }
        int at = indexOf(onnx, from);
        if (at < 0) {
            throw new IllegalStateException("the committed model's metadata does not say " + new String(from, StandardCharsets.UTF_8));
        }
        byte[] copy = onnx.clone();
        System.arraycopy(to, 0, copy, at, to.length);
        return copy;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
