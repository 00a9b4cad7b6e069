package io.hybridfog.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.hybridfog.api.FeatureSpec;
import io.hybridfog.api.ModelDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/**
 * Loads and validates the partitions of a model bundle: reads each file, verifies its SHA-256 when the bundle
 * declares checksums, loads it with {@link OnnxPartitions}, and checks that the metadata agrees with the headers
 * and that edge and cloud agree with each other. The OSGi extender uses {@link #load}; tooling outside OSGi can
 * use {@link #loadJar}.
 */
public final class ModelBundleLoader {

    /** Reads a bundle entry. */
    @FunctionalInterface
    public interface EntryReader {
        /** @return the entry's bytes, or {@code null} if the bundle has no such entry */
        byte[] read(String path) throws IOException;
    }

    private ModelBundleLoader() {
    }

    /**
     * @throws ModelLoadException with the reason if an entry is missing or unreadable, a checksum differs, a
     *                            partition does not load, its metadata names another model or version than the
     *                            headers, or edge and cloud disagree on labels or features
     */
    public static ModelBundle load(ModelBundleHeaders headers, EntryReader entries, OrtEnvironment environment,
                                   SessionOptions options) throws ModelLoadException {
        OnnxEdgePartition edge = null;
        OnnxCloudPartition cloud = null;
        try {
            if (headers.partitions().containsKey(PartitionKind.EDGE)) {
                edge = OnnxPartitions.loadEdge(environment, verifiedBytes(headers, PartitionKind.EDGE, entries), options);
                requireHeadersMatch(headers, PartitionKind.EDGE, edge.descriptor());
            }
            if (headers.partitions().containsKey(PartitionKind.CLOUD)) {
                cloud = OnnxPartitions.loadCloud(environment, verifiedBytes(headers, PartitionKind.CLOUD, entries), options);
                requireHeadersMatch(headers, PartitionKind.CLOUD, cloud.descriptor());
            }
            if (edge != null && cloud != null) {
                requireCompatible(edge.descriptor(), cloud.descriptor());
            }
            return new ModelBundle(headers, edge, cloud);
        } catch (ModelLoadException | RuntimeException e) {
            new ModelBundle(headers, edge, cloud).close();
            throw e;
        }
    }

    /**
     * Loads only the edge partition of a bundle that {@link #load} accepted before, e.g. to make a standby version
     * active again (same checks: checksum, metadata against the headers).
     *
     * @throws ModelLoadException as {@link #load}, or if the bundle carries no edge partition
     */
    public static OnnxEdgePartition loadEdge(ModelBundleHeaders headers, EntryReader entries, OrtEnvironment environment,
                                             SessionOptions options) throws ModelLoadException {
        if (!headers.partitions().containsKey(PartitionKind.EDGE)) {
            throw new ModelLoadException(headers.id() + " carries no edge partition");
        }
        OnnxEdgePartition edge = OnnxPartitions.loadEdge(environment, verifiedBytes(headers, PartitionKind.EDGE, entries), options);
        try {
            requireHeadersMatch(headers, PartitionKind.EDGE, edge.descriptor());
            return edge;
        } catch (ModelLoadException | RuntimeException e) {
            edge.close();
            throw e;
        }
    }

    /**
     * Loads a model bundle jar outside OSGi.
     *
     * @throws ModelLoadException if the jar cannot be read, is no model bundle, or fails {@link #load}
     */
    public static ModelBundle loadJar(Path jar, OrtEnvironment environment, SessionOptions options)
            throws ModelLoadException {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            Attributes main = manifest == null ? new Attributes() : manifest.getMainAttributes();
            ModelBundleHeaders headers = ModelBundleHeaders.parse(main::getValue)
                    .orElseThrow(() -> new ModelLoadException(jar + " has no " + ModelBundleHeaders.MODEL + " header"));
            return load(headers, path -> {
                ZipEntry entry = file.getEntry(path);
                if (entry == null) {
                    return null;
                }
                try (InputStream in = file.getInputStream(entry)) {
                    return in.readAllBytes();
                }
            }, environment, options);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + jar + ": " + e.getMessage(), e);
        }
    }

    private static byte[] verifiedBytes(ModelBundleHeaders headers, PartitionKind kind, EntryReader entries)
            throws ModelLoadException {
        String path = headers.partitions().get(kind);
        byte[] bytes;
        try {
            bytes = entries.read(path);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read the " + kind + " partition " + path + ": " + e.getMessage(), e);
        }
        if (bytes == null) {
            throw new ModelLoadException("the " + kind + " partition " + path + " named in "
                    + ModelBundleHeaders.PARTITIONS + " is not in the bundle");
        }
        String expected = headers.sha256().get(kind);
        if (expected != null) {
            String actual = sha256(bytes);
            if (!actual.equals(expected)) {
                throw new ModelLoadException("SHA-256 of " + path + " is " + actual + " but "
                        + ModelBundleHeaders.CHECKSUMS + " says " + expected + " (corrupt or replaced file)");
            }
        }
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static void requireHeadersMatch(ModelBundleHeaders headers, PartitionKind kind, ModelDescriptor d)
            throws ModelLoadException {
        if (!d.name().equals(headers.model()) || !d.version().equals(headers.version())) {
            throw new ModelLoadException("the " + kind + " partition's metadata says " + d.id() + " but the headers "
                    + ModelBundleHeaders.MODEL + "/" + ModelBundleHeaders.MODEL_VERSION + " say " + headers.id());
        }
    }

    /** Edge and cloud of one bundle must agree on what passes between them and on the classes. */
    private static void requireCompatible(ModelDescriptor edge, ModelDescriptor cloud) throws ModelLoadException {
        FeatureSpec e = edge.features();
        FeatureSpec c = cloud.features();
        if (!e.name().equals(c.name()) || !Arrays.equals(e.shape(), c.shape()) || e.binary() != c.binary()) {
            throw new ModelLoadException("edge and cloud metadata disagree on the features: "
                    + describe(e) + " vs " + describe(c));
        }
        if (!edge.labels().equals(cloud.labels())) {
            throw new ModelLoadException("edge and cloud metadata disagree on the labels: "
                    + edge.labels() + " vs " + cloud.labels());
        }
    }

    private static String describe(FeatureSpec f) {
        return f.name() + Arrays.toString(f.shape()) + (f.binary() ? " binary" : " real");
    }
}
