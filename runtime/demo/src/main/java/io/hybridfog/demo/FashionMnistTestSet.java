package io.hybridfog.demo;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The 10,000 Fashion-MNIST test images (gzipped IDX files), each encoded as an 8-bit grayscale PNG the way
 * a camera device would send it. Looks in the repository copy first, then Debian's dataset-fashion-mnist.
 */
final class FashionMnistTestSet implements TestSet {
    private final byte[][] pngs;
    private final int[] labels;

    private FashionMnistTestSet(byte[][] pngs, int[] labels) {
        this.pngs = pngs;
        this.labels = labels;
    }

    static FashionMnistTestSet load(Path home, int limit) throws IOException {
        List<Path> dirs = List.of(home.resolve("models/fashion-mnist/data"), Path.of("/usr/share/datasets/fashion-mnist"));
        Path dir = dirs.stream().filter(d -> Files.exists(d.resolve("t10k-images-idx3-ubyte.gz"))).findFirst()
                .orElseThrow(() -> new IOException("Fashion-MNIST test split not found in " + dirs));
        byte[] images = readIdx(dir.resolve("t10k-images-idx3-ubyte.gz"), 3);
        byte[] labelBytes = readIdx(dir.resolve("t10k-labels-idx1-ubyte.gz"), 1);
        int n = Math.min(limit, labelBytes.length);
        byte[][] pngs = new byte[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            pngs[i] = png(images, i * 784);
            labels[i] = labelBytes[i] & 0xff;
        }
        return new FashionMnistTestSet(pngs, labels);
    }

    /** Payload of an IDX file (big-endian header: magic, then one int32 per dimension). */
    static byte[] readIdx(Path file, int dims) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file)); DataInputStream data = new DataInputStream(in)) {
            int magic = data.readInt();
            if ((magic & 0xff) != dims) {
                throw new IOException(file + ": expected " + dims + " dimensions, header says " + (magic & 0xff));
            }
            for (int i = 0; i < dims; i++) {
                data.readInt();
            }
            return data.readAllBytes();
        }
    }

    private static byte[] png(byte[] images, int offset) {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, 28, 28, java.util.Arrays.copyOfRange(images, offset, offset + 784));
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public String name() {
        return "Fashion-MNIST test";
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public byte[] payload(int i) {
        return pngs[i];
    }

    @Override
    public int label(int i) {
        return labels[i];
    }
}
