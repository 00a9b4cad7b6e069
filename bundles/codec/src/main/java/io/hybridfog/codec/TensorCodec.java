package io.hybridfog.codec;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The HybridFog tensor wire format "HFT", version {@value #VERSION}; the byte layout is specified in
 * docs/wire-format.md. All integers and floats are little-endian:
 * <pre>
 * 'H' 'F' 'T' | version u8 (=1) | encoding u8 (1 FLOAT32, 2 BINARY, 3 UINT8) | rank u8 (1..8)
 * | rank x dim i32 (each &gt;= 1) | model u8 length + UTF-8 | model version u8 length + UTF-8 | payload
 * </pre>
 * The payload length must match the shape exactly. Stateless and thread-safe.
 */
public final class TensorCodec {
    /** Format version written and accepted. */
    public static final byte VERSION = 1;
    /** Largest rank the format allows. */
    public static final int MAX_RANK = 8;
    /** Longest model name or model version, in UTF-8 bytes (length is one unsigned byte). */
    public static final int MAX_NAME_BYTES = 255;

    private static final byte[] MAGIC = {'H', 'F', 'T'};

    /** How the values are stored; {@link #wireCode()} is the encoding byte. */
    public enum Encoding {
        /** IEEE 754 float32, 4 bytes per element. */
        FLOAT32(1),
        /** Values in {-1, +1}, 1 bit per element, most significant bit first, 1 = +1. */
        BINARY(2),
        /** Integers 0..255, 1 byte per element (raw pixels). */
        UINT8(3);

        private final int wireCode;

        Encoding(int wireCode) {
            this.wireCode = wireCode;
        }

        /** The encoding byte on the wire (1, 2 or 3). */
        public int wireCode() {
            return wireCode;
        }

        /** @return the encoding with this wire code, or null if there is none */
        public static Encoding fromWireCode(int code) {
            for (Encoding e : values()) {
                if (e.wireCode == code) {
                    return e;
                }
            }
            return null;
        }

        /** Payload bytes for this many elements. */
        long payloadBytes(long elements) {
            return switch (this) {
                case FLOAT32 -> elements * 4;
                case BINARY -> (elements + 7) / 8;
                case UINT8 -> elements;
            };
        }
    }

    /**
     * The header of a decoded tensor.
     *
     * @param encoding     how the payload was stored
     * @param shape        dimensions, outermost first, each &gt;= 1
     * @param model        model name, "" if the sender gave none
     * @param modelVersion model version, "" if the sender gave none
     */
    public record Header(Encoding encoding, long[] shape, String model, String modelVersion) {
    }

    /**
     * A decoded tensor.
     *
     * @param header the header as sent
     * @param tensor float32 values: FLOAT32 as sent, BINARY as -1f/+1f, UINT8 as 0f..255f
     */
    public record Decoded(Header header, Tensor tensor) {
    }

    private TensorCodec() {
    }

    /**
     * Encodes a tensor.
     *
     * @param t            the tensor, rank 1..8; FLOAT32 values are written as they are (NaN and infinities
     *                     included, which {@link #decode} rejects)
     * @param enc          BINARY needs every value exactly -1 or +1; UINT8 needs every value an integer 0..255
     * @param model        model name, null or empty for none; at most 255 UTF-8 bytes
     * @param modelVersion model version, null or empty for none; at most 255 UTF-8 bytes
     * @return the HFT bytes, exactly {@link #encodedSize} long
     * @throws IllegalArgumentException if a value does not fit the encoding, the rank is not 1..8, a dimension
     *                                  exceeds {@link Integer#MAX_VALUE}, a name is too long or not valid Unicode,
     *                                  or the result would exceed 2 GiB
     * @throws NullPointerException     if t or enc is null
     */
    public static byte[] encode(Tensor t, Encoding enc, String model, String modelVersion) {
        long[] shape = t.shape();
        byte[] modelBytes = utf8(model, "model");
        byte[] versionBytes = utf8(modelVersion, "model version");
        int size = encodedSize(shape, enc, modelBytes.length, versionBytes.length);
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put(VERSION).put((byte) enc.wireCode()).put((byte) shape.length);
        for (long d : shape) {
            buf.putInt((int) d);
        }
        buf.put((byte) modelBytes.length).put(modelBytes).put((byte) versionBytes.length).put(versionBytes);
        float[] data = t.data();
        switch (enc) {
            case FLOAT32 -> buf.asFloatBuffer().put(data);
            case BINARY -> BitPacking.pack(data, buf.array(), buf.position());
            case UINT8 -> {
                for (int i = 0; i < data.length; i++) {
                    buf.put(toUint8(data[i], i));
                }
            }
        }
        return buf.array();
    }

    /**
     * Size in bytes of an encoded tensor.
     *
     * @param shape        dimensions, rank 1..8, each 1..{@link Integer#MAX_VALUE}
     * @param model        null or empty for none
     * @param modelVersion null or empty for none
     * @throws IllegalArgumentException on an invalid shape, a name longer than 255 UTF-8 bytes,
     *                                  or a size above {@link Integer#MAX_VALUE}
     */
    public static int encodedSize(long[] shape, Encoding enc, String model, String modelVersion) {
        return encodedSize(shape, enc, utf8(model, "model").length, utf8(modelVersion, "model version").length);
    }

    private static int encodedSize(long[] shape, Encoding enc, int modelBytes, int versionBytes) {
        if (shape.length < 1 || shape.length > MAX_RANK) {
            throw new IllegalArgumentException("HFT rank must be 1.." + MAX_RANK + ", got shape " + Arrays.toString(shape));
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 1 || d > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("HFT dimensions must be 1.." + Integer.MAX_VALUE + ", got shape " + Arrays.toString(shape));
            }
            elements *= d;
            if (elements > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("too many elements for HFT: shape " + Arrays.toString(shape));
            }
        }
        long size = 6L + 4L * shape.length + 1 + modelBytes + 1 + versionBytes + enc.payloadBytes(elements);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("encoded tensor would be " + size + " bytes, more than a byte array holds");
        }
        return (int) size;
    }

    /** True if the bytes start with the HFT magic "HFT"; nothing else is checked. */
    public static boolean looksLikeTensor(byte[] bytes) {
        return bytes != null && bytes.length >= MAGIC.length
                && bytes[0] == MAGIC[0] && bytes[1] == MAGIC[1] && bytes[2] == MAGIC[2];
    }

    /**
     * Decodes and validates an HFT tensor from untrusted bytes.
     *
     * @param bytes       the whole message; null is treated as empty
     * @param maxElements largest element count accepted, &gt;= 1
     * @throws HybridFogException {@link ErrorCode#MALFORMED_PAYLOAD}: bad magic, unsupported version, rank not 1..8,
     *                            a dimension &lt; 1, element count above {@link Integer#MAX_VALUE}, names not UTF-8,
     *                            truncated, trailing bytes, or BINARY padding bits not 0;
     *                            {@link ErrorCode#WRONG_DTYPE}: unknown encoding byte;
     *                            {@link ErrorCode#PAYLOAD_TOO_LARGE}: more than maxElements elements;
     *                            {@link ErrorCode#NON_FINITE_VALUES}: NaN or infinity in a FLOAT32 payload
     * @throws IllegalArgumentException if maxElements &lt; 1
     */
    public static Decoded decode(byte[] bytes, int maxElements) throws HybridFogException {
        if (maxElements < 1) {
            throw new IllegalArgumentException("maxElements must be >= 1, got " + maxElements);
        }
        byte[] in = bytes == null ? new byte[0] : bytes;
        WireReader r = new WireReader(in);
        r.skip(MAGIC.length, "magic");
        if (!looksLikeTensor(in)) {
            throw malformed("not an HFT tensor (magic is not 'HFT')");
        }
        int version = r.u8("version");
        if (version != VERSION) {
            throw malformed("unsupported HFT version " + version + " (supported: " + VERSION + ")");
        }
        int code = r.u8("encoding");
        Encoding enc = Encoding.fromWireCode(code);
        if (enc == null) {
            throw new HybridFogException(ErrorCode.WRONG_DTYPE, "unknown HFT encoding " + code + " (1 float32, 2 binary, 3 uint8)");
        }
        long[] shape = readShape(r);
        String model = readName(r, in, "model");
        String modelVersion = readName(r, in, "model version");
        long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact); // bounded by readShape
        long payload = enc.payloadBytes(elements);
        if (payload != r.remaining()) {
            throw malformed((payload > r.remaining() ? "truncated" : "trailing bytes after") + " HFT payload: shape "
                    + Arrays.toString(shape) + " as " + enc + " needs " + payload + " bytes, got " + r.remaining());
        }
        if (elements > maxElements) {
            throw new HybridFogException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "tensor has " + elements + " elements, at most " + maxElements + " accepted");
        }
        int n = (int) elements;
        int offset = r.position();
        float[] values = switch (enc) {
            case FLOAT32 -> readFloats(in, offset, n);
            case BINARY -> BitPacking.unpack(in, offset, n);
            case UINT8 -> readUint8(in, offset, n);
        };
        return new Decoded(new Header(enc, shape, model, modelVersion), new Tensor(shape, values));
    }

    private static long[] readShape(WireReader r) throws HybridFogException {
        int rank = r.u8("rank");
        if (rank < 1 || rank > MAX_RANK) {
            throw malformed("HFT rank must be 1.." + MAX_RANK + ", got " + rank);
        }
        long[] shape = new long[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++) {
            int d = r.i32("dimension " + i);
            if (d < 1) {
                throw malformed("HFT dimension " + i + " is " + d + ", must be >= 1");
            }
            shape[i] = d;
            elements *= d; // both factors <= 2^31 - 1: the product fits in a long
            if (elements > Integer.MAX_VALUE) {
                throw malformed("HFT shape overflows: more than " + Integer.MAX_VALUE + " elements");
            }
        }
        return shape;
    }

    private static String readName(WireReader r, byte[] in, String what) throws HybridFogException {
        int len = r.u8(what + " length");
        int start = r.skip(len, what);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(in, start, len)).toString();
        } catch (CharacterCodingException e) {
            throw new HybridFogException(ErrorCode.MALFORMED_PAYLOAD, "HFT " + what + " is not valid UTF-8", e);
        }
    }

    private static float[] readFloats(byte[] in, int offset, int n) throws HybridFogException {
        float[] values = new float[n];
        ByteBuffer.wrap(in, offset, n * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(values[i])) {
                throw new HybridFogException(ErrorCode.NON_FINITE_VALUES, "tensor element " + i + " is " + values[i]);
            }
        }
        return values;
    }

    private static float[] readUint8(byte[] in, int offset, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = in[offset + i] & 0xFF;
        }
        return values;
    }

    private static byte toUint8(float v, int index) {
        if (!(v >= 0f && v <= 255f && v == Math.rint(v))) {
            throw new IllegalArgumentException("UINT8 encoding needs integers 0..255, element " + index + " is " + v);
        }
        return (byte) (int) v;
    }

    private static byte[] utf8(String s, String what) {
        if (s == null || s.isEmpty()) {
            return new byte[0];
        }
        ByteBuffer b;
        try {
            b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " is not valid Unicode: " + s, e);
        }
        if (b.remaining() > MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + " is " + b.remaining() + " UTF-8 bytes, at most " + MAX_NAME_BYTES + " fit");
        }
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static HybridFogException malformed(String message) {
        return new HybridFogException(ErrorCode.MALFORMED_PAYLOAD, message);
    }
}
