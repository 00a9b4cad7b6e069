package io.hybridfog.demo.dse;

import io.hybridfog.api.FeatureSpec;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.Tensor;
import io.hybridfog.codec.TensorCodec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The edge features of a whole test set, kept between the edge and the cloud phase of a DSE run. Each batch is
 * stored in its wire encoding (HFT, bit-packed when the features are binary, else float32), so the cloud partition
 * sees exactly the values a cloud worker would decode, and in a temporary file, so memory stays bounded even for
 * large real-valued features (e.g. 16x32x32 floats x 10,000 samples = 655 MB). Not thread-safe.
 */
final class FeatureStore implements AutoCloseable {
    private final TensorCodec.Encoding encoding;
    private final Path file;
    private final FileChannel channel;
    private final List<long[]> batches = new ArrayList<>(); // {offset, length} in bytes

    FeatureStore(FeatureSpec spec) throws IOException {
        this.encoding = spec.binary() ? TensorCodec.Encoding.BINARY : TensorCodec.Encoding.FLOAT32;
        this.file = Files.createTempFile("hybridfog-dse-features", ".hft");
        this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.DELETE_ON_CLOSE);
    }

    /** @throws IllegalArgumentException if the features are declared binary but a value is not -1 or +1 */
    void append(Tensor features) throws IOException {
        byte[] hft = TensorCodec.encode(features, encoding, null, null);
        long offset = channel.size();
        ByteBuffer buf = ByteBuffer.wrap(hft);
        while (buf.hasRemaining()) {
            channel.write(buf, offset + buf.position());
        }
        batches.add(new long[] {offset, hft.length});
    }

    int batches() {
        return batches.size();
    }

    /** The features of the i-th appended batch, float32 [N, feature shape...]. */
    Tensor batch(int i) throws IOException {
        long[] at = batches.get(i);
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(at[1]));
        while (buf.hasRemaining()) {
            if (channel.read(buf, at[0] + buf.position()) < 0) {
                throw new IOException("feature file " + file + " is truncated");
            }
        }
        try {
            return TensorCodec.decode(buf.array(), Integer.MAX_VALUE).tensor();
        } catch (HybridFogException e) {
            throw new IOException("cannot decode stored features of batch " + i + ": " + e.getMessage(), e);
        }
    }

    /** Closes and deletes the temporary file. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
