package io.hybridfog.onnx.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.hybridfog.onnx.ModelBundle;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.ModelBundleLoader;
import io.hybridfog.onnx.ModelLoadException;
import io.hybridfog.onnx.ModelSmokeTest;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import org.osgi.framework.Bundle;

/**
 * Loads the partitions of a model bundle with the extender's checks ({@link ModelBundleLoader}: checksums, names,
 * shapes) and runs {@link ModelSmokeTest} (one inference and the warm-up runs). What it loaded is closed again when a
 * check fails, so a caller gets either validated, warmed sessions or an exception.
 */
final class VersionValidation {
    private final OnnxEnvironment onnx;

    VersionValidation(OnnxEnvironment onnx) {
        this.onnx = onnx;
    }

    /**
     * @return every partition the bundle carries, validated and warmed up
     * @throws ModelLoadException a check failed (the message names the file and what is wrong)
     * @throws OrtException       ONNX Runtime refused a partition
     */
    ModelBundle loadAll(Bundle bundle, ModelBundleHeaders headers) throws ModelLoadException, OrtException {
        ModelBundle loaded;
        try (SessionOptions options = onnx.newSessionOptions()) {
            loaded = ModelBundleLoader.load(headers, path -> readEntry(bundle, path), onnx.environment(), options);
        }
        try {
            ModelSmokeTest.check(loaded.edge().orElse(null), loaded.cloud().orElse(null), onnx.warmupRuns());
        } catch (ModelLoadException | RuntimeException failed) {
            loaded.close();
            throw failed;
        }
        return loaded;
    }

    /**
     * @return the bundle's edge partition, validated and warmed up (a standby version becoming active)
     * @throws ModelLoadException a check failed
     * @throws OrtException       ONNX Runtime refused the partition
     */
    OnnxEdgePartition loadEdge(Bundle bundle, ModelBundleHeaders headers) throws ModelLoadException, OrtException {
        OnnxEdgePartition edge;
        try (SessionOptions options = onnx.newSessionOptions()) {
            edge = ModelBundleLoader.loadEdge(headers, path -> readEntry(bundle, path), onnx.environment(), options);
        }
        try {
            ModelSmokeTest.check(edge, null, onnx.warmupRuns());
        } catch (ModelLoadException | RuntimeException failed) {
            edge.close();
            throw failed;
        }
        return edge;
    }

    private static byte[] readEntry(Bundle bundle, String path) throws IOException {
        URL url = bundle.getEntry(path);
        if (url == null) {
            return null;
        }
        try (InputStream in = url.openStream()) {
            return in.readAllBytes();
        }
    }
}
