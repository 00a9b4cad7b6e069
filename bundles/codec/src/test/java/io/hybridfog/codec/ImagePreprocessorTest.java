package io.hybridfog.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InputSpec;
import io.hybridfog.api.Tensor;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

import static io.hybridfog.codec.TensorCodecTest.assertCode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ImagePreprocessorTest {
    private final ImagePreprocessor fashion = new ImagePreprocessor(TestImages.fashionSpec());

    private static void assertSameBits(float expected, float actual, String where) {
        if (Float.floatToIntBits(expected) != Float.floatToIntBits(actual)) {
            fail(where + ": expected " + expected + " but was " + actual);
        }
    }

    @Test
    void fashionPngsMatchNumpyBitForBit() throws Exception {
        JsonNode ref = TestImages.fashionReference();
        for (int i = 0; i < 8; i++) {
            String name = String.format("test-%05d.png", i);
            Tensor t = fashion.fromImage(TestImages.fashionPng(i));
            assertArrayEquals(new long[]{1, 1, 28, 28}, t.shape());
            JsonNode expected = ref.get(name);
            assertEquals(784, expected.size(), name);
            for (int k = 0; k < 784; k++) {
                // the JSON holds the float32 values widened to double, so narrowing them back is exact
                assertSameBits((float) expected.get(k).doubleValue(), t.data()[k], name + " element " + k);
            }
        }
    }

    @Test
    void normalizationOfSinglePixelsMatchesNumpy() throws Exception {
        // numpy: (np.float32(p) / np.float32(255) - np.float32(0.2860)) / np.float32(0.3530)
        Tensor t = fashion.fromPixels(pixelsWith(0, 255, 128, 1), new long[]{1, 28, 28});
        assertEquals(0xbf4f6929, Float.floatToIntBits(t.data()[0]));  // -0.8101983666419983
        assertEquals(0x4001734f, Float.floatToIntBits(t.data()[1]));  // 2.022662878036499
        assertEquals(0x3f1c9e13, Float.floatToIntBits(t.data()[2]));  // 0.6117870211601257
        assertEquals(0xbf4c911b, Float.floatToIntBits(t.data()[3]));  // -0.7990891337394714
    }

    private static byte[] pixelsWith(int... first) {
        byte[] px = new byte[784];
        for (int i = 0; i < first.length; i++) {
            px[i] = (byte) first[i];
        }
        return px;
    }

    @Test
    void fromPixelsEqualsFromImageForTheSamePixels() throws Exception {
        byte[] png = TestImages.fashionPng(3);
        Raster raster = ImageIO.read(new ByteArrayInputStream(png)).getRaster();
        byte[] px = new byte[784];
        for (int i = 0; i < 784; i++) {
            px[i] = (byte) raster.getSample(i % 28, i / 28, 0);
        }
        float[] fromImage = fashion.fromImage(png).data();
        assertArrayEquals(fromImage, fashion.fromPixels(px, new long[]{1, 28, 28}).data());
        Tensor batched = fashion.fromPixels(px, new long[]{1, 1, 28, 28});
        assertArrayEquals(new long[]{1, 1, 28, 28}, batched.shape());
        assertArrayEquals(fromImage, batched.data());
    }

    @Test
    void fromPixelsChecksShapeAndLength() {
        assertCode(ErrorCode.WRONG_SHAPE, () -> fashion.fromPixels(new byte[784], new long[]{784}));
        assertCode(ErrorCode.WRONG_SHAPE, () -> fashion.fromPixels(new byte[784], new long[]{2, 1, 28, 28}));
        assertCode(ErrorCode.WRONG_SHAPE, () -> fashion.fromPixels(new byte[784], new long[]{28, 28, 1}));
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> fashion.fromPixels(new byte[783], new long[]{1, 28, 28}));
    }

    /**
     * Pillow 9.4 and ImageIO decode the CIFAR-10 JPEGs to identical RGB bytes (docs: ../shared/notes/stack-notes.md,
     * 500 images compared); here for one image, and the normalized CHW tensor against numpy float32.
     */
    @Test
    void cifarJpegMatchesPillowAndNumpy() throws Exception {
        JsonNode ref = TestImages.cifarReference();
        byte[] jpeg = TestImages.cifarJpeg();
        Raster raster = ImageIO.read(new ByteArrayInputStream(jpeg)).getRaster();
        JsonNode rgb = ref.get("rgb"); // H, W, C
        for (int i = 0; i < 32 * 32 * 3; i++) {
            int c = i % 3;
            int x = (i / 3) % 32;
            int y = i / 96;
            assertEquals(rgb.get(i).intValue(), raster.getSample(x, y, c), "pixel " + x + "," + y + " channel " + c);
        }
        Tensor t = new ImagePreprocessor(TestImages.cifarSpec(ref)).fromImage(jpeg);
        assertArrayEquals(new long[]{1, 3, 32, 32}, t.shape());
        JsonNode expected = ref.get("normalized");
        for (int k = 0; k < t.size(); k++) {
            assertSameBits((float) expected.get(k).doubleValue(), t.data()[k], "element " + k);
        }
        // R of the top-left pixel is 141 (Pillow): channel 0 is red, not blue, although the JPEG raster is BGR in memory
        assertEquals(((float) 141 / 255f - (float) 0.4914) / (float) 0.2470, t.data()[0]);
        for (int c = 0; c < 3; c++) {
            float lo = (0f - (float) ref.get("mean").get(c).doubleValue()) / (float) ref.get("std").get(c).doubleValue();
            float hi = (1f - (float) ref.get("mean").get(c).doubleValue()) / (float) ref.get("std").get(c).doubleValue();
            for (int k = c * 1024; k < (c + 1) * 1024; k++) {
                assertTrue(t.data()[k] >= lo && t.data()[k] <= hi, "channel " + c + " value " + t.data()[k]);
            }
        }
    }

    @Test
    void rgbPngChannelsAreReadAsRgbFromEveryLayout() throws Exception {
        InputSpec spec = new InputSpec("image", new long[]{3, 2, 2}, 255f, new float[]{0.5f, 0.25f, 0f}, new float[]{0.5f, 1f, 2f}, "rgb");
        ImagePreprocessor rgb = new ImagePreprocessor(spec);
        int[][] pixels = {{10, 20, 30}, {40, 50, 60}, {70, 80, 90}, {255, 0, 128}}; // (x,y) = (0,0) (1,0) (0,1) (1,1)
        for (int type : new int[]{BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_BGR}) {
            BufferedImage img = new BufferedImage(2, 2, type);
            WritableRaster r = img.getRaster();
            for (int p = 0; p < 4; p++) {
                for (int c = 0; c < 3; c++) {
                    r.setSample(p % 2, p / 2, c, pixels[p][c]);
                }
            }
            Tensor t = rgb.fromImage(TestImages.write(img, "png"));
            assertArrayEquals(new long[]{1, 3, 2, 2}, t.shape());
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 4; p++) {
                    float expected = ((float) pixels[p][c] / 255f - spec.mean()[c]) / spec.std()[c];
                    assertSameBits(expected, t.data()[c * 4 + p], "type " + type + " channel " + c + " pixel " + p);
                }
            }
        }
        // hand-computed: R = 255 -> (255/255 - 0.5) / 0.5 = 1; R = 0 -> (0 - 0.5) / 0.5 = -1; B = 0 -> (0 - 0) / 2 = 0
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        img.getRaster().setSample(1, 1, 0, 255);
        Tensor t = rgb.fromImage(TestImages.write(img, "png"));
        assertEquals(1f, t.data()[3]);
        assertEquals(-1f, t.data()[0]);
        assertEquals(0f, t.data()[8]);
    }

    @Test
    void grayAndRgbAreNotConverted() {
        JsonNode ref;
        try {
            ref = TestImages.cifarReference();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        ImagePreprocessor rgb28 = new ImagePreprocessor(new InputSpec("image", new long[]{3, 28, 28}, 255f,
                new float[]{0, 0, 0}, new float[]{1, 1, 1}, "rgb"));
        assertCode(ErrorCode.WRONG_SHAPE, () -> rgb28.fromImage(TestImages.fashionPng(0)));
        ImagePreprocessor gray32 = new ImagePreprocessor(new InputSpec("image", new long[]{1, 32, 32}, 255f,
                new float[]{0}, new float[]{1}, "grayscale"));
        assertCode(ErrorCode.WRONG_SHAPE, () -> gray32.fromImage(TestImages.cifarJpeg()));
        BufferedImage gray = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
        ImagePreprocessor cifar = new ImagePreprocessor(TestImages.cifarSpec(ref));
        assertCode(ErrorCode.WRONG_SHAPE, () -> cifar.fromImage(TestImages.write(gray, "jpeg")));
        assertCode(ErrorCode.WRONG_SHAPE, () -> cifar.fromImage(TestImages.write(new BufferedImage(32, 32, BufferedImage.TYPE_4BYTE_ABGR), "png")));
    }

    @Test
    void grayJpegIsAcceptedForGrayModel() throws Exception {
        BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 255);
        byte[] jpeg = TestImages.write(gray, "jpeg");
        int decoded = ImageIO.read(new ByteArrayInputStream(jpeg)).getRaster().getSample(0, 0, 0);
        Tensor t = fashion.fromImage(jpeg);
        assertEquals(((float) decoded / 255f - (float) 0.2860) / (float) 0.3530, t.data()[0]);
    }

    @Test
    void paletteAndSixteenBitImagesAreWrongDtype() {
        assertCode(ErrorCode.WRONG_DTYPE, () -> fashion.fromImage(TestImages.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_INDEXED), "png")));
        assertCode(ErrorCode.WRONG_DTYPE, () -> fashion.fromImage(TestImages.write(new BufferedImage(28, 28, BufferedImage.TYPE_USHORT_GRAY), "png")));
    }

    @Test
    void wrongImageSizeIsWrongShape() {
        ImagePreprocessor small = new ImagePreprocessor(new InputSpec("image", new long[]{1, 27, 28}, 255f,
                new float[]{0}, new float[]{1}, "grayscale"));
        HybridFogException e = assertThrows(HybridFogException.class, () -> small.fromImage(TestImages.fashionPng(0)));
        assertEquals(ErrorCode.WRONG_SHAPE, e.code());
        assertTrue(e.getMessage().contains("28x28"), e.getMessage());
        assertCode(ErrorCode.WRONG_SHAPE, () -> fashion.fromImage(TestImages.cifarJpeg()));
    }

    @Test
    void everyTruncationOfPngsIsMalformed() {
        for (int i = 0; i < 8; i++) {
            byte[] png = TestImages.fashionPng(i);
            for (int len = 0; len < png.length; len++) {
                byte[] cut = Arrays.copyOf(png, len);
                assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> fashion.fromImage(cut));
            }
        }
    }

    @Test
    void everyFlippedBitInAPngIsMalformed() {
        byte[] png = TestImages.fashionPng(1);
        for (int pos = 0; pos < png.length; pos++) {
            for (int bit = 0; bit < 8; bit += 3) {
                byte[] bad = png.clone();
                bad[pos] ^= (byte) (1 << bit);
                assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> fashion.fromImage(bad));
            }
        }
        byte[] trailing = Arrays.copyOf(png, png.length + 1);
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> fashion.fromImage(trailing));
    }

    @Test
    void everyTruncationOfAJpegIsMalformed() throws Exception {
        byte[] jpeg = TestImages.cifarJpeg();
        ImagePreprocessor cifar = new ImagePreprocessor(TestImages.cifarSpec(TestImages.cifarReference()));
        cifar.fromImage(jpeg);
        for (int len = 0; len < jpeg.length; len++) {
            byte[] cut = Arrays.copyOf(jpeg, len);
            assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> cifar.fromImage(cut));
        }
    }

    /**
     * JPEG has no checksum: a flipped bit in the entropy-coded data can decode to a slightly different image
     * without any warning. What must hold: a decode either succeeds with the right shape or fails with a
     * HybridFogException, never with another exception; and damage to the markers is detected.
     */
    @Test
    void flippedBitsInAJpegNeverEscapeAsOtherExceptions() throws Exception {
        byte[] jpeg = TestImages.cifarJpeg();
        ImagePreprocessor cifar = new ImagePreprocessor(TestImages.cifarSpec(TestImages.cifarReference()));
        Set<ErrorCode> allowed = EnumSet.of(ErrorCode.MALFORMED_PAYLOAD, ErrorCode.WRONG_SHAPE, ErrorCode.WRONG_DTYPE);
        int rejected = 0;
        for (int pos = 0; pos < jpeg.length; pos++) {
            byte[] bad = jpeg.clone();
            bad[pos] ^= (byte) 0x10;
            try {
                assertArrayEquals(new long[]{1, 3, 32, 32}, cifar.fromImage(bad).shape());
            } catch (HybridFogException e) {
                assertTrue(allowed.contains(e.code()), e.code() + ": " + e.getMessage());
                rejected++;
            }
        }
        byte[] noSoi = jpeg.clone();
        noSoi[1] = 0;
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> cifar.fromImage(noSoi));
        assertTrue(rejected > 0, "no corruption was detected at all");
    }

    @Test
    void looksLikeImageChecksMagic() {
        assertTrue(ImagePreprocessor.looksLikeImage(TestImages.fashionPng(0)));
        assertTrue(ImagePreprocessor.looksLikeImage(TestImages.cifarJpeg()));
        assertFalse(ImagePreprocessor.looksLikeImage(new byte[]{(byte) 0x89, 'P', 'N', 'G'}));
        assertFalse(ImagePreprocessor.looksLikeImage(new byte[]{'H', 'F', 'T', 1}));
        assertFalse(ImagePreprocessor.looksLikeImage(null));
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> fashion.fromImage(new byte[]{'H', 'F', 'T', 1}));
        assertCode(ErrorCode.MALFORMED_PAYLOAD, () -> fashion.fromImage(null));
    }

    @Test
    void invalidSpecsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ImagePreprocessor(new InputSpec("x", new long[]{3, 28, 28}, 255f,
                new float[]{0, 0, 0}, new float[]{1, 1, 1}, "grayscale")));
        assertThrows(IllegalArgumentException.class, () -> new ImagePreprocessor(new InputSpec("x", new long[]{1, 28, 28}, 255f,
                new float[]{0, 0}, new float[]{1}, "grayscale")));
        assertThrows(IllegalArgumentException.class, () -> new ImagePreprocessor(new InputSpec("x", new long[]{1, 28, 28}, 255f,
                new float[]{0}, new float[]{0}, "grayscale")));
        assertThrows(IllegalArgumentException.class, () -> new ImagePreprocessor(new InputSpec("x", new long[]{1, 28, 28}, 0f,
                new float[]{0}, new float[]{1}, "grayscale")));
        assertThrows(IllegalArgumentException.class, () -> new ImagePreprocessor(new InputSpec("x", new long[]{28, 28}, 255f,
                new float[]{0}, new float[]{1}, "grayscale")));
    }
}
