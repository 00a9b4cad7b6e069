package io.hybridfog.itest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * The Fashion-MNIST test data and the training side's reference outputs under models/fashion-mnist/
 * (folder from the system property {@code hybridfog.itest.data}): t10k IDX images and labels (gzipped),
 * the PNGs in png/, reference-predictions.csv, preprocess-reference.json and metrics.json.
 */
final class FashionMnist {
    static final List<String> LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    static final int SIDE = 28;

    /** One row of reference-predictions.csv: what PyTorch computed for test image {@code index}. */
    record Reference(int index, int label, int exitPred, double exitEntropyNats, int cloudPred) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private FashionMnist() {
    }

    static Path dir() {
        String d = System.getProperty("hybridfog.itest.data");
        if (d == null) {
            throw new IllegalStateException("system property hybridfog.itest.data (models/fashion-mnist) is not set");
        }
        return Path.of(d);
    }

    /** t10k images, each 784 bytes row-major. */
    static byte[][] testImages() {
        return readIdx(dir().resolve("data/t10k-images-idx3-ubyte.gz"), 3);
    }

    static int[] testLabels() {
        byte[][] raw = readIdx(dir().resolve("data/t10k-labels-idx1-ubyte.gz"), 1);
        int[] labels = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            labels[i] = raw[i][0] & 0xff;
        }
        return labels;
    }

    /** Gzipped IDX: magic 0x00 0x00 0x08 ndim, ndim big-endian int32 sizes, then unsigned bytes. */
    private static byte[][] readIdx(Path file, int expectedDims) {
        try (InputStream in = Files.newInputStream(file);
             DataInputStream data = new DataInputStream(new GZIPInputStream(in))) {
            int magic = data.readInt();
            if ((magic >>> 8) != 0x08 || (magic & 0xff) != expectedDims) {
                throw new IOException(file + ": not an unsigned-byte IDX file with " + expectedDims + " dimensions (magic "
                        + Integer.toHexString(magic) + ")");
            }
            int n = data.readInt();
            int itemSize = 1;
            for (int d = 1; d < expectedDims; d++) {
                itemSize *= data.readInt();
            }
            byte[][] items = new byte[n][itemSize];
            for (byte[] item : items) {
                data.readFully(item);
            }
            return items;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An 8-bit grayscale PNG of one 28x28 image, encoded by the JDK's ImageIO. */
    static byte[] png(byte[] pixels) {
        BufferedImage img = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, SIDE, SIDE, pixels);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Pixels of a grayscale PNG, decoded by ImageIO (to check that a committed PNG is the IDX image it names). */
    static byte[] pixelsOfPng(byte[] png) {
        try {
            BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(png));
            byte[] px = new byte[SIDE * SIDE];
            img.getRaster().getDataElements(0, 0, SIDE, SIDE, px);
            return px;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The committed PNGs, png/test-NNNNN.png, sorted by name; NNNNN is the t10k index. */
    static List<Path> committedPngs() {
        try (var files = Files.list(dir().resolve("png"))) {
            return files.filter(p -> p.getFileName().toString().matches("test-\\d{5}\\.png")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int indexOfPng(Path png) {
        String n = png.getFileName().toString();
        return Integer.parseInt(n.substring(5, 10));
    }

    static List<Reference> references() {
        try {
            List<String> lines = Files.readAllLines(dir().resolve("reference-predictions.csv"));
            if (!lines.get(0).trim().equals("index,label,exit_pred,exit_entropy_nats,cloud_pred")) {
                throw new IllegalStateException("unexpected header of reference-predictions.csv: " + lines.get(0));
            }
            List<Reference> refs = new ArrayList<>(lines.size() - 1);
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split(",");
                Reference r = new Reference(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        Double.parseDouble(f[3]), Integer.parseInt(f[4]));
                if (r.index() != refs.size()) {
                    throw new IllegalStateException("reference-predictions.csv: row " + refs.size() + " has index " + r.index());
                }
                refs.add(r);
            }
            return refs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode metrics() {
        return readJson("metrics.json");
    }

    /** {"test-00000.png": [784 normalized floats], ...} written by train.py from the PNGs. */
    static JsonNode preprocessReference() {
        return readJson("preprocess-reference.json");
    }

    private static JsonNode readJson(String name) {
        try {
            return JSON.readTree(dir().resolve(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
