package io.hybridfog.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.api.InputSpec;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Real test data: Fashion-MNIST PNGs written by models/fashion-mnist/train.py, one CIFAR-10 JPEG. */
final class TestImages {
    /** Module base directory is the working directory of surefire. */
    static final Path FASHION = Path.of("../../models/fashion-mnist");
    static final ObjectMapper JSON = new ObjectMapper();

    private TestImages() {
    }

    /** The Fashion-MNIST input spec of train.py; floats rounded from the double literals as numpy float32 does. */
    static InputSpec fashionSpec() {
        return new InputSpec("image", new long[]{1, 28, 28}, 255f, new float[]{(float) 0.2860}, new float[]{(float) 0.3530}, "grayscale");
    }

    static byte[] fashionPng(int i) {
        try {
            return Files.readAllBytes(FASHION.resolve("png").resolve(String.format("test-%05d.png", i)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode fashionReference() throws IOException {
        return JSON.readTree(FASHION.resolve("preprocess-reference.json").toFile());
    }

    /** CIFAR-10 test.zip entry airplane/0000.jpg: 32x32 RGB (YCbCr JPEG). */
    static byte[] cifarJpeg() {
        return resource("/cifar10/airplane-0000.jpg");
    }

    /** Pillow 9.4's decoding of {@link #cifarJpeg()} and its normalization, by src/test/python/cifar_reference.py. */
    static JsonNode cifarReference() throws IOException {
        return JSON.readTree(resource("/cifar10/airplane-0000.json"));
    }

    static InputSpec cifarSpec(JsonNode ref) {
        float[] mean = new float[3];
        float[] std = new float[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = (float) ref.get("mean").get(c).doubleValue();
            std[c] = (float) ref.get("std").get(c).doubleValue();
        }
        return new InputSpec("image", new long[]{3, 32, 32}, 255f, mean, std, "rgb");
    }

    static byte[] resource(String name) {
        try (InputStream in = TestImages.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] write(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format + " and image type " + image.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
