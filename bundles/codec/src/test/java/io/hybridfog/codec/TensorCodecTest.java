package io.hybridfog.codec;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.Tensor;
import io.hybridfog.codec.TensorCodec.Decoded;
import io.hybridfog.codec.TensorCodec.Encoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorCodecTest {

    static void assertCode(ErrorCode expected, Executable call) {
        HybridFogException e = assertThrows(HybridFogException.class, call::run);
        assertEquals(expected, e.code(), e.getMessage());
    }

    interface Executable {
        void run() throws Exception;
    }

    private static Tensor tensor(long[] shape, float... values) {
        return new Tensor(shape, values);
    }

    @Test
    void float32LayoutIsExactlyAsSpecified() throws Exception {
        byte[] bytes = TensorCodec.encode(tensor(new long[]{2}, 1.0f, -2.0f), Encoding.FLOAT32, "m", null);
        byte[] expected = {
                'H', 'F', 'T', 1, 1, 1,          // magic, version, FLOAT32, rank 1
                2, 0, 0, 0,                      // dim 2, int32 LE
                1, 'm', 0,                       // model "m", empty version
                0, 0, (byte) 0x80, 0x3F,         // 1.0f = 0x3F800000 LE
                0, 0, 0, (byte) 0xC0};           // -2.0f = 0xC0000000 LE
        assertArrayEquals(expected, bytes);
    }

    @Test
    void float32RoundTripKeepsEveryBit() throws Exception {
        float[] values = {0f, -0f, 1.5f, -3.25e-7f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
        long[] shape = {1, 7};
        byte[] bytes = TensorCodec.encode(tensor(shape, values.clone()), Encoding.FLOAT32, "fashion-mnist-hybrid", "1.0.0");
        assertEquals(TensorCodec.encodedSize(shape, Encoding.FLOAT32, "fashion-mnist-hybrid", "1.0.0"), bytes.length);
        Decoded d = TensorCodec.decode(bytes, 7);
        assertEquals(Encoding.FLOAT32, d.header().encoding());
        assertArrayEquals(shape, d.header().shape());
        assertArrayEquals(shape, d.tensor().shape());
        assertEquals("fashion-mnist-hybrid", d.header().model());
        assertEquals("1.0.0", d.header().modelVersion());
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(d.tensor().data()[i]), "element " + i);
        }
    }

    @Test
    void binaryPacksMsbFirstWithZeroPaddingForThirteenElements() throws Exception {
        float[] values = {1, -1, -1, 1, 1, 1, -1, -1, /* byte 1 */ 1, -1, 1, 1, -1};
        byte[] bytes = TensorCodec.encode(tensor(new long[]{13}, values), Encoding.BINARY, "", "");
        // header 3+1+1+1 + 4 (one dim) + 1 + 1 = 12 bytes, payload ceil(13/8) = 2 bytes
        assertEquals(14, bytes.length);
        assertEquals((byte) 0b1001_1100, bytes[12]);
        assertEquals((byte) 0b1011_0000, bytes[13]);
        Decoded d = TensorCodec.decode(bytes, 13);
        assertEquals(Encoding.BINARY, d.header().encoding());
        assertArrayEquals(values, d.tensor().data());
    }

    @Test
    void binaryRoundTripForManyOddSizes() throws Exception {
        Random rnd = new Random(7);
        for (int n = 1; n <= 40; n++) {
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = rnd.nextBoolean() ? 1f : -1f;
            }
            byte[] bytes = TensorCodec.encode(tensor(new long[]{1, n}, values), Encoding.BINARY, null, null);
            assertEquals(12 + 4 + (n + 7) / 8, bytes.length);
            assertArrayEquals(values, TensorCodec.decode(bytes, n).tensor().data(), "n=" + n);
        }
    }

    @Test
    void binaryNonZeroPaddingBitsAreMalformed() throws Exception {
        byte[] bytes = TensorCodec.encode(tensor(new long[]{13}, new float[]{1, -1, -1, 1, 1, 1, -1, -1, 1, -1, 1, 1, -1}),
                Encoding.BINARY, "", "");
        bytes[13] |= 0b0000_0001;
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(bytes, 100));
    }

    @Test
    void binaryRejectsValuesOtherThanPlusMinusOne() {
        for (float bad : new float[]{0f, 0.5f, -0f, 2f, Float.NaN}) {
            assertThrows(IllegalArgumentException.class,
                    () -> TensorCodec.encode(tensor(new long[]{2}, 1f, bad), Encoding.BINARY, null, null), "value " + bad);
        }
    }

    @Test
    void uint8RoundTripAndRange() throws Exception {
        float[] values = {0, 1, 127, 128, 255};
        byte[] bytes = TensorCodec.encode(tensor(new long[]{5}, values), Encoding.UINT8, null, null);
        assertArrayEquals(new byte[]{0, 1, 127, (byte) 128, (byte) 255}, Arrays.copyOfRange(bytes, 12, 17));
        assertArrayEquals(values, TensorCodec.decode(bytes, 5).tensor().data());
        for (float bad : new float[]{-1f, 256f, 1.5f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class,
                    () -> TensorCodec.encode(tensor(new long[]{1}, bad), Encoding.UINT8, null, null), "value " + bad);
        }
    }

    @Test
    void encodedSizeOfFashionMnistFeatures() {
        long[] shape = {1, 128, 7, 7};
        // 6 fixed + 4 dims * 4 + (1 + 20) model + (1 + 5) version + 6272 bits / 8
        assertEquals(6 + 16 + 21 + 6 + 784, TensorCodec.encodedSize(shape, Encoding.BINARY, "fashion-mnist-hybrid", "1.0.0"));
        assertEquals(6 + 16 + 21 + 6 + 6272 * 4, TensorCodec.encodedSize(shape, Encoding.FLOAT32, "fashion-mnist-hybrid", "1.0.0"));
        assertEquals(6 + 16 + 2 + 6272, TensorCodec.encodedSize(shape, Encoding.UINT8, null, ""));
    }

    @Test
    void encodeRejectsBadNamesAndShapes() {
        Tensor one = tensor(new long[]{1}, 1f);
        String name255 = "a".repeat(255);
        assertEquals(6 + 4 + 256 + 1 + 4, TensorCodec.encode(one, Encoding.FLOAT32, name255, null).length);
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.encode(one, Encoding.FLOAT32, name255 + "a", null));
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.encode(one, Encoding.FLOAT32, null, "\uD800"));
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.encodedSize(new long[0], Encoding.FLOAT32, null, null));
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.encodedSize(new long[9], Encoding.FLOAT32, null, null));
        assertThrows(IllegalArgumentException.class,
                () -> TensorCodec.encodedSize(new long[]{1L << 31}, Encoding.UINT8, null, null));
    }

    @Test
    void unicodeNamesRoundTrip() throws Exception {
        byte[] bytes = TensorCodec.encode(tensor(new long[]{1}, 3f), Encoding.UINT8, "modèle-β", "v1");
        Decoded d = TensorCodec.decode(bytes, 1);
        assertEquals("modèle-β", d.header().model());
        assertEquals("v1", d.header().modelVersion());
        assertEquals(10, "modèle-β".getBytes(StandardCharsets.UTF_8).length);
        assertEquals(6 + 4 + 11 + 3 + 1, bytes.length);
    }

    @Test
    void looksLikeTensorChecksMagicOnly() {
        assertTrue(TensorCodec.looksLikeTensor(new byte[]{'H', 'F', 'T'}));
        assertFalse(TensorCodec.looksLikeTensor(new byte[]{'H', 'F'}));
        assertFalse(TensorCodec.looksLikeTensor(new byte[]{'H', 'F', 't', 1}));
        assertFalse(TensorCodec.looksLikeTensor(null));
    }

    @Test
    void badMagicAndVersionAreMalformed() throws Exception {
        byte[] good = TensorCodec.encode(tensor(new long[]{2}, 1f, 2f), Encoding.FLOAT32, null, null);
        byte[] magic = good.clone();
        magic[2] = 'X';
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(magic, 10));
        byte[] version = good.clone();
        version[3] = 2;
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(version, 10));
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(new byte[0], 10));
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(null, 10));
    }

    @Test
    void unknownEncodingIsWrongDtype() throws Exception {
        byte[] good = TensorCodec.encode(tensor(new long[]{2}, 1f, 2f), Encoding.UINT8, null, null);
        for (byte code : new byte[]{0, 4, (byte) 0xFF}) {
            byte[] bad = good.clone();
            bad[4] = code;
            assertCode(ErrorCode.WRONG_DTYPE, () -> TensorCodec.decode(bad, 10));
        }
    }

    @Test
    void badRankDimensionsAndOverflowAreMalformed() throws Exception {
        byte[] good = TensorCodec.encode(tensor(new long[]{2}, 1f, 2f), Encoding.UINT8, null, null);
        for (byte rank : new byte[]{0, 9}) {
            byte[] bad = good.clone();
            bad[5] = rank;
            assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(bad, 10));
        }
        byte[] zeroDim = good.clone();
        zeroDim[6] = 0;
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(zeroDim, 10));
        byte[] negativeDim = good.clone();
        negativeDim[9] = (byte) 0x80; // 0x80000002 = -2147483646
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(negativeDim, 10));
        // rank 2, dims 65536 x 65536 = 2^32 elements: overflows before any payload is read
        byte[] overflow = {'H', 'F', 'T', 1, 3, 2, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(overflow, Integer.MAX_VALUE));
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void everyTruncationAndTrailingByteIsMalformed(Encoding enc) throws Exception {
        float[] values = {1, -1, 1, 1, -1, -1, 1, -1, 1, 1, -1};
        byte[] good = TensorCodec.encode(tensor(new long[]{1, 11}, enc == Encoding.UINT8 ? new float[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10} : values),
                enc, "edge", "2.0.1");
        TensorCodec.decode(good, 11); // the untruncated payload is valid
        for (int len = 0; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(cut, 11));
        }
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(Arrays.copyOf(good, good.length + 1), 11));
    }

    @Test
    void nonFiniteFloatsAreRejectedOnDecode() throws Exception {
        for (float bad : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            byte[] bytes = TensorCodec.encode(tensor(new long[]{3}, 0f, bad, 1f), Encoding.FLOAT32, null, null);
            assertCode(ErrorCode.NON_FINITE_VALUES, () -> TensorCodec.decode(bytes, 3));
        }
    }

    @Test
    void moreElementsThanAllowedIsTooLarge() throws Exception {
        byte[] bytes = TensorCodec.encode(new Tensor(new long[]{10, 10}, new float[100]), Encoding.FLOAT32, null, null);
        assertEquals(100, TensorCodec.decode(bytes, 100).tensor().size());
        assertCode(ErrorCode.PAYLOAD_TOO_LARGE, () -> TensorCodec.decode(bytes, 99));
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.decode(bytes, 0));
    }

    @Test
    void invalidUtf8NameIsMalformed() throws Exception {
        byte[] bytes = TensorCodec.encode(tensor(new long[]{1}, 1f), Encoding.UINT8, "ab", null);
        bytes[11] = (byte) 0xC3; // "a" -> start of a 2-byte sequence followed by 'b': invalid
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> TensorCodec.decode(bytes, 1));
    }

    @Test
    void randomCorruptionNeverThrowsAnythingButHybridFogException() throws Exception {
        byte[] good = TensorCodec.encode(new Tensor(new long[]{2, 3, 4}, new float[24]), Encoding.FLOAT32, "m", "1");
        Random rnd = new Random(42);
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] bad = good.clone();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
            }
            try {
                TensorCodec.decode(bad, 1000);
            } catch (HybridFogException expected) {
                // any code is fine; an unchecked exception is not
            }
        }
    }
}
