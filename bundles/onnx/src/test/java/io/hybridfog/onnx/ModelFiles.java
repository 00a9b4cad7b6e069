package io.hybridfog.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The committed Fashion-MNIST model artifacts (models/fashion-mnist/), located by system property hybridfog.model.dir. */
final class ModelFiles {
    static final Path DIR = Path.of(System.getProperty("hybridfog.model.dir", "../../models/fashion-mnist"));

    private ModelFiles() {
    }

    static Path file(String name) {
        Path path = DIR.resolve(name);
        assertTrue(Files.isRegularFile(path), path.toAbsolutePath() + " is missing (written by models/fashion-mnist/train.py)");
        return path;
    }

    static byte[] bytes(String name) throws IOException {
        return Files.readAllBytes(file(name));
    }

    static byte[] edge() throws IOException {
        return bytes("edge.onnx");
    }

    static byte[] cloud() throws IOException {
        return bytes("cloud.onnx");
    }

    static IdxImages testImages() throws IOException {
        return IdxImages.read(file("data/t10k-images-idx3-ubyte.gz"));
    }

    static OrtEnvironment environment() throws OrtException {
        return OnnxPartitions.sharedEnvironment();
    }

    static OnnxEdgePartition loadEdge() throws Exception {
        try (var options = OnnxPartitions.sessionOptions(1)) {
            return OnnxPartitions.loadEdge(environment(), edge(), options);
        }
    }

    static OnnxCloudPartition loadCloud() throws Exception {
        try (var options = OnnxPartitions.sessionOptions(1)) {
            return OnnxPartitions.loadCloud(environment(), cloud(), options);
        }
    }
}
