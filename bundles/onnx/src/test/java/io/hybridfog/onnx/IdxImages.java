package io.hybridfog.onnx;

import io.hybridfog.api.InputSpec;
import io.hybridfog.api.Tensor;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Gzipped IDX files (the MNIST container: big-endian magic 0x00000803 for uint8 images [count, rows, cols],
 * 0x00000801 for uint8 labels [count]). Test helper; production decoding lives in bundles/codec.
 */
final class IdxImages {
    final int count;
    final int rows;
    final int cols;
    private final byte[] pixels;

    private IdxImages(int count, int rows, int cols, byte[] pixels) {
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
    }

    static IdxImages read(Path gz) throws IOException {
        try (DataInputStream in = open(gz)) {
            requireMagic(in.readInt(), 0x803, gz);
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            byte[] pixels = new byte[Math.multiplyExact(count, rows * cols)];
            in.readFully(pixels);
            return new IdxImages(count, rows, cols, pixels);
        }
    }

    static int[] readLabels(Path gz) throws IOException {
        try (DataInputStream in = open(gz)) {
            requireMagic(in.readInt(), 0x801, gz);
            int[] labels = new int[in.readInt()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = in.readUnsignedByte();
            }
            return labels;
        }
    }

    /**
     * Images [from, from + n) as float32 [n, 1, rows, cols] (grayscale: channel 0 of the spec), normalized exactly as training did, in float32 and in
     * this order: x = pixel / pixelScale; x = (x - mean) / std.
     */
    Tensor normalized(int from, int n, InputSpec spec) {
        int size = rows * cols;
        float[] data = new float[n * size];
        float scale = spec.pixelScale();
        float mean = spec.mean()[0];
        float std = spec.std()[0];
        for (int i = 0; i < data.length; i++) {
            float x = (pixels[from * size + i] & 0xFF) / scale;
            data[i] = (x - mean) / std;
        }
        return new Tensor(new long[] {n, 1, rows, cols}, data);
    }

    private static DataInputStream open(Path gz) throws IOException {
        InputStream raw = Files.newInputStream(gz);
        return new DataInputStream(new GZIPInputStream(raw, 1 << 16));
    }

    private static void requireMagic(int magic, int expected, Path gz) throws IOException {
        if (magic != expected) {
            throw new IOException(gz + ": IDX magic 0x" + Integer.toHexString(magic) + ", expected 0x" + Integer.toHexString(expected));
        }
    }
}
