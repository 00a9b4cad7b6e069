package io.hybridfog.codec;

import com.fasterxml.jackson.databind.JsonNode;
import io.hybridfog.api.InputSpec;
import io.hybridfog.api.Tensor;
import org.junit.jupiter.api.Test;

import java.awt.image.Raster;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Preprocessing parity on real CIFAR-10 (JPEG) test images: {@link ImagePreprocessor} (ImageIO decoding + float32
 * normalization) yields, bit for bit, the tensors models/cifar10/train.py trains and evaluates on (Pillow decoding +
 * numpy float32 {@code normalize}), for 100 entries of ../shared/data/cifar10/test.zip.
 *
 * <p>Reference: src/test/resources/cifar10/test-zip-reference.json, written by
 * {@code cd bundles/codec && /usr/bin/python3 src/test/python/cifar_testzip_reference.py}. It holds per image the
 * SHA-256 of the JPEG bytes, of Pillow's decoded RGB bytes and of the normalized float32 tensor (little-endian, C, H,
 * W): equal digests mean identical bits. The zip is looked for in {@code $HYBRIDFOG_DATA/cifar10}, else
 * {@code ../shared/data/cifar10} beside the checkout; without it the image test is skipped (the table test runs).
 */
class CifarTestZipParityTest {
    private static final HexFormat HEX = HexFormat.of();

    static Path testZip() {
        String root = System.getenv("HYBRIDFOG_DATA");
        Path dir = root != null && !root.isBlank() ? Path.of(root, "cifar10") : Path.of("../../../shared/data/cifar10");
        return dir.resolve("test.zip");
    }

    static JsonNode reference() throws Exception {
        return TestImages.JSON.readTree(TestImages.resource("/cifar10/test-zip-reference.json"));
    }

    /** train.py's input spec: MEAN and STD narrowed to float32 as numpy's float32 arrays do. */
    static InputSpec spec(JsonNode ref) {
        InputSpec spec = TestImages.cifarSpec(ref);
        assertEquals(255.0, ref.get("pixel_scale").asDouble());
        return spec;
    }

    /** Every pixel value 0..255 of every channel normalizes to numpy's float32 bits: the arithmetic, exhaustively. */
    @Test
    void normalizationOfEveryPixelValueMatchesNumpy() throws Exception {
        JsonNode ref = reference();
        InputSpec spec = spec(ref);
        for (int c = 0; c < 3; c++) {
            JsonNode bits = ref.get("lut_bits").get(c);
            assertEquals(256, bits.size());
            for (int p = 0; p < 256; p++) {
                float java = ImagePreprocessor.normalize(p, spec.pixelScale(), spec.mean()[c], spec.std()[c]);
                assertEquals(bits.get(p).asLong(), Integer.toUnsignedLong(Float.floatToRawIntBits(java)),
                        "channel " + c + " pixel " + p + ": java " + java + ", numpy " + Float.intBitsToFloat((int) bits.get(p).asLong()));
            }
        }
    }

    @Test
    void testZipJpegsDecodeAndNormalizeAsInTraining() throws Exception {
        Path zip = testZip();
        assumeTrue(Files.isRegularFile(zip), "skipped: " + zip.toAbsolutePath().normalize() + " is absent (CIFAR-10 JPEG data set; "
                + "set HYBRIDFOG_DATA to the folder holding cifar10/test.zip)");
        JsonNode ref = reference();
        ImagePreprocessor cifar = new ImagePreprocessor(spec(ref));
        JsonNode images = ref.get("images");
        assertTrue(images.size() >= 50, "at least 50 reference images, found " + images.size());
        List<String> decodeDiffers = new ArrayList<>();
        List<String> tensorDiffers = new ArrayList<>();
        try (ZipFile file = new ZipFile(zip.toFile())) {
            for (JsonNode image : images) {
                String name = image.get("name").asText();
                ZipEntry entry = file.getEntry(name);
                assertNotNull(entry, zip + " has no entry " + name);
                byte[] jpeg;
                try (var in = file.getInputStream(entry)) {
                    jpeg = in.readAllBytes();
                }
                assertEquals(image.get("jpeg_sha256").asText(), sha256(jpeg), name + ": test.zip differs from the one the reference was made from");

                Tensor t = cifar.fromImage(jpeg);
                assertArrayEquals(new long[]{1, 3, 32, 32}, t.shape(), name);
                if (!image.get("normalized_sha256").asText().equals(sha256(littleEndian(t.data())))) {
                    tensorDiffers.add(name);
                }
                if (!image.get("rgb_sha256").asText().equals(sha256(rgbBytes(jpeg)))) {
                    decodeDiffers.add(name);
                }
            }
        }
        // decoded pixels differ: ImageIO's JPEG decoder and Pillow's libjpeg disagree (compare with the script's --dump);
        // tensors differ with equal pixels: the normalization arithmetic differs (see the table test)
        assertTrue(decodeDiffers.isEmpty() && tensorDiffers.isEmpty(), "of " + images.size() + " images, decoded RGB differs from "
                + "Pillow for " + decodeDiffers + " and the normalized tensor differs from numpy for " + tensorDiffers);
    }

    /** The decoded image as H, W, C bytes, the layout of numpy's {@code np.array(Image.open(...))}. */
    private static byte[] rgbBytes(byte[] jpeg) throws Exception {
        Raster raster = ImageDecoding.decode(jpeg, 32, 32).getRaster();
        byte[] out = new byte[32 * 32 * 3];
        int i = 0;
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                for (int c = 0; c < 3; c++) {
                    out[i++] = (byte) raster.getSample(raster.getMinX() + x, raster.getMinY() + y, c);
                }
            }
        }
        return out;
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putInt(Float.floatToRawIntBits(v));
        }
        return buffer.array();
    }

    private static String sha256(byte[] data) throws Exception {
        return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
