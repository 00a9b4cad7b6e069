package io.hybridfog.codec;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.Tensor;
import io.hybridfog.codec.TensorCodec.Encoding;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static io.hybridfog.codec.TensorCodecTest.assertCode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class SampleDecoderTest {
    private static final long[] BATCH = {1, 1, 28, 28};
    private final SampleDecoder decoder = new SampleDecoder(TestImages.fashionSpec(), 4096);

    private static float[] pixels(byte[] png) throws Exception {
        Raster r = ImageIO.read(new ByteArrayInputStream(png)).getRaster();
        float[] px = new float[784];
        for (int i = 0; i < 784; i++) {
            px[i] = r.getSample(i % 28, i / 28, 0);
        }
        return px;
    }

    @Test
    void pngAndUint8PixelsGiveTheSameInput() throws Exception {
        byte[] png = TestImages.fashionPng(5);
        Tensor fromPng = decoder.decode(png);
        assertArrayEquals(BATCH, fromPng.shape());
        assertArrayEquals(new ImagePreprocessor(TestImages.fashionSpec()).fromImage(png).data(), fromPng.data());
        for (long[] shape : new long[][]{{1, 28, 28}, BATCH}) {
            byte[] hft = TensorCodec.encode(new Tensor(shape, pixels(png)), Encoding.UINT8, "fashion-mnist-hybrid", null);
            Tensor fromHft = decoder.decode(hft);
            assertArrayEquals(BATCH, fromHft.shape());
            assertArrayEquals(fromPng.data(), fromHft.data());
        }
    }

    @Test
    void float32IsUsedAsItIs() throws Exception {
        float[] values = new float[784];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.01f - 3f;
        }
        for (long[] shape : new long[][]{{1, 28, 28}, BATCH}) {
            Tensor t = decoder.decode(TensorCodec.encode(new Tensor(shape, values), Encoding.FLOAT32, null, null));
            assertArrayEquals(BATCH, t.shape());
            assertArrayEquals(values, t.data());
        }
    }

    @Test
    void tensorShapeAndDtypeAreChecked() {
        assertCode(ErrorCode.WRONG_SHAPE, () -> decoder.decode(TensorCodec.encode(new Tensor(new long[]{784}, new float[784]), Encoding.FLOAT32, null, null)));
        assertCode(ErrorCode.WRONG_SHAPE, () -> decoder.decode(TensorCodec.encode(new Tensor(new long[]{1, 28, 28, 1}, new float[784]), Encoding.UINT8, null, null)));
        float[] ones = new float[784];
        java.util.Arrays.fill(ones, 1f);
        assertCode(ErrorCode.WRONG_DTYPE, () -> decoder.decode(TensorCodec.encode(new Tensor(new long[]{1, 28, 28}, ones), Encoding.BINARY, null, null)));
        float[] nan = new float[784];
        nan[400] = Float.NaN;
        assertCode(ErrorCode.NON_FINITE_VALUES, () -> decoder.decode(TensorCodec.encode(new Tensor(new long[]{1, 28, 28}, nan), Encoding.FLOAT32, null, null)));
        byte[] unknownEncoding = TensorCodec.encode(new Tensor(new long[]{1, 28, 28}, new float[784]), Encoding.UINT8, null, null);
        unknownEncoding[4] = 9;
        assertCode(ErrorCode.WRONG_DTYPE, () -> decoder.decode(unknownEncoding));
    }

    @Test
    void sizeIsCheckedBeforeAnythingElse() throws Exception {
        SampleDecoder small = new SampleDecoder(TestImages.fashionSpec(), 799);
        byte[] uint8 = TensorCodec.encode(new Tensor(new long[]{1, 28, 28}, new float[784]), Encoding.UINT8, null, null);
        // 6 + 3 * 4 + 1 + 1 + 784 = 804 bytes
        assertCode(ErrorCode.PAYLOAD_TOO_LARGE, () -> small.decode(uint8));
        assertCode(ErrorCode.PAYLOAD_TOO_LARGE, () -> small.decode(new byte[800]));
        new SampleDecoder(TestImages.fashionSpec(), 804).decode(uint8);
    }

    @Test
    void anythingElseIsMalformed() {
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> decoder.decode("hello".getBytes(StandardCharsets.US_ASCII)));
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> decoder.decode(new byte[0]));
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> decoder.decode(null));
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> decoder.decode(new byte[]{'H', 'F', 'T'}));
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> decoder.decode(java.util.Arrays.copyOf(TestImages.fashionPng(0), 100)));
    }
}
