package io.hybridfog.demo.data;

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
import javax.imageio.ImageIO;

/**
 * The test split of an IDX data set (the MNIST family: {@code t10k-images-idx3-ubyte[.gz]} and
 * {@code t10k-labels-idx1-ubyte[.gz]}), each image encoded as an 8-bit grayscale PNG the way a camera device would
 * send it; labels are the label file's bytes (class ids). {@link #load} is the 10,000 Fashion-MNIST test images: the
 * repository copy first, then Debian's dataset-fashion-mnist.
 */
public final class FashionMnistTestSet implements TestSet {
    static final String IMAGES = "t10k-images-idx3-ubyte";
    static final String LABELS = "t10k-labels-idx1-ubyte";

    private final String name;
    private final byte[][] pngs;
    private final int[] labels;

    private FashionMnistTestSet(String name, byte[][] pngs, int[] labels) {
        this.name = name;
        this.pngs = pngs;
        this.labels = labels;
    }

    public static FashionMnistTestSet load(Path home, int limit) throws IOException {
        List<Path> dirs = List.of(home.resolve("models/fashion-mnist/data"), Path.of("/usr/share/datasets/fashion-mnist"));
        Path dir = dirs.stream().filter(FashionMnistTestSet::isIdxFolder).findFirst()
                .orElseThrow(() -> new IOException("Fashion-MNIST test split not found in " + dirs));
        return fromIdxFolder(dir, "Fashion-MNIST test", limit);
    }

    /** True if {@code dir} holds the IDX test images ({@code .gz} or not). */
    static boolean isIdxFolder(Path dir) {
        return idxFile(dir, IMAGES) != null;
    }

    private static Path idxFile(Path dir, String stem) {
        for (String name : new String[] {stem + ".gz", stem}) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        return null;
    }

    /** The IDX test split in {@code dir} (its first {@code limit} images), named {@code name} in output. */
    static FashionMnistTestSet fromIdxFolder(Path dir, String name, int limit) throws IOException {
        Path imageFile = idxFile(dir, IMAGES);
        Path labelFile = idxFile(dir, LABELS);
        if (imageFile == null || labelFile == null) {
            throw new IOException(dir + ": " + IMAGES + "[.gz] and " + LABELS + "[.gz] expected (IDX format)");
        }
        int[] shape = new int[3];
        byte[] images = readIdx(imageFile, 3, shape);
        byte[] labelBytes = readIdx(labelFile, 1, new int[1]);
        int per = shape[1] * shape[2];
        int n = Math.min(limit, labelBytes.length);
        byte[][] pngs = new byte[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            pngs[i] = png(images, i * per, shape[1], shape[2]);
            labels[i] = labelBytes[i] & 0xff;
        }
        return new FashionMnistTestSet(name, pngs, labels);
    }

    /** Payload of an IDX file (big-endian header: magic, then one int32 per dimension). */
    static byte[] readIdx(Path file, int dims) throws IOException {
        return readIdx(file, dims, new int[dims]);
    }

    /** Payload of an IDX file, gzipped if its name ends with .gz; {@code shape} receives its dimensions. */
    static byte[] readIdx(Path file, int dims, int[] shape) throws IOException {
        InputStream raw = Files.newInputStream(file);
        try (InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             DataInputStream data = new DataInputStream(in)) {
            int magic = data.readInt();
            if ((magic & 0xff) != dims) {
                throw new IOException(file + ": expected " + dims + " dimensions, header says " + (magic & 0xff));
            }
            for (int i = 0; i < dims; i++) {
                shape[i] = data.readInt();
            }
            return data.readAllBytes();
        }
    }

    private static byte[] png(byte[] images, int offset, int height, int width) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, width, height, java.util.Arrays.copyOfRange(images, offset, offset + height * width));
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
        return name;
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
