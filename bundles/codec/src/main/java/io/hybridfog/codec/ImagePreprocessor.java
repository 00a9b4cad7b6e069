package io.hybridfog.codec;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InputSpec;
import io.hybridfog.api.Tensor;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.util.Arrays;

/**
 * Turns a PNG/JPEG image or raw 8-bit pixels into the normalized model input, bit-for-bit as in training:
 * for channel c, {@code x = (float) pixel / pixelScale; x = (x - mean[c]) / std[c]}, each step a float32
 * operation in this order (numpy float32 in models/fashion-mnist/train.py {@code normalize}). Output is
 * float32 [1, C, H, W] (CHW). Immutable and thread-safe.
 *
 * <p>Images are read strictly, from the raster samples without any color conversion (so no
 * {@code getRGB}, which would apply color management): a grayscale model takes 8-bit gray images
 * only, an RGB model 8-bit RGB images only (no alpha, no palette). A gray image for an RGB model or
 * the reverse is refused rather than converted, because a silent conversion would differ from what
 * the model saw in training.
 */
public final class ImagePreprocessor {
    private final InputSpec spec;
    private final int channels;
    private final int height;
    private final int width;
    /** lut[c][pixel] = normalized value, computed once with the training formula (exact, not an approximation). */
    private final float[][] lut;

    /**
     * @param spec shape [C, H, W] with C = 1 and color {@code grayscale}, or C = 3 and color {@code rgb};
     *             mean and std of length C, finite, std != 0; pixelScale finite and &gt; 0
     * @throws IllegalArgumentException if the spec violates any of this
     */
    public ImagePreprocessor(InputSpec spec) {
        this.spec = spec;
        long[] shape = spec.shape();
        if (shape == null || shape.length != 3 || shape[0] != 1 && shape[0] != 3 || shape[1] < 1 || shape[2] < 1
                || (double) shape[0] * shape[1] * shape[2] > Integer.MAX_VALUE) { // double: no overflow, exact below 2^53
            throw new IllegalArgumentException("input shape must be [C, H, W] with C = 1 or 3 and at most 2^31 - 1 elements, got "
                    + Arrays.toString(shape));
        }
        channels = spec.channels();
        height = spec.height();
        width = spec.width();
        boolean gray = channels == 1 && "grayscale".equals(spec.color());
        boolean rgb = channels == 3 && "rgb".equals(spec.color());
        if (!gray && !rgb) {
            throw new IllegalArgumentException("input must be C=1 'grayscale' or C=3 'rgb', got C=" + channels + " '" + spec.color() + "'");
        }
        if (!(spec.pixelScale() > 0 && Float.isFinite(spec.pixelScale()))) {
            throw new IllegalArgumentException("pixelScale must be finite and > 0, got " + spec.pixelScale());
        }
        if (spec.mean() == null || spec.std() == null || spec.mean().length != channels || spec.std().length != channels) {
            throw new IllegalArgumentException("mean and std need " + channels + " value(s) each");
        }
        lut = new float[channels][256];
        for (int c = 0; c < channels; c++) {
            float mean = spec.mean()[c];
            float std = spec.std()[c];
            if (!Float.isFinite(mean) || !Float.isFinite(std) || std == 0f) {
                throw new IllegalArgumentException("channel " + c + ": mean and std must be finite and std != 0, got " + mean + ", " + std);
            }
            for (int p = 0; p < 256; p++) {
                lut[c][p] = normalize(p, spec.pixelScale(), mean, std);
            }
        }
    }

    /** The training normalization; Java float arithmetic is IEEE binary32 with round-to-nearest, as numpy float32. */
    static float normalize(int pixel, float pixelScale, float mean, float std) {
        float x = (float) pixel / pixelScale;
        return (x - mean) / std;
    }

    public InputSpec spec() {
        return spec;
    }

    /** True if the bytes start with the PNG signature or the JPEG SOI marker. */
    public static boolean looksLikeImage(byte[] bytes) {
        return ImageDecoding.isPng(bytes) || ImageDecoding.isJpeg(bytes);
    }

    /**
     * Decodes and normalizes a PNG or JPEG image.
     *
     * @param encoded PNG (chunk CRCs are verified; no bytes after IEND) or JPEG bytes
     * @return float32 [1, C, H, W]
     * @throws HybridFogException MALFORMED_PAYLOAD if not PNG/JPEG, truncated or corrupt;
     *                            WRONG_SHAPE if width, height or channel count (gray vs RGB, alpha) differ from the spec;
     *                            WRONG_DTYPE for palette images or samples that are not 8 bits
     */
    public Tensor fromImage(byte[] encoded) throws HybridFogException {
        BufferedImage image = ImageDecoding.decode(encoded, width, height);
        Raster raster = image.getRaster();
        checkLayout(image.getColorModel(), raster);
        float[] out = new float[channels * height * width];
        int[] samples = new int[height * width];
        for (int c = 0; c < channels; c++) {
            // band c of a gray or RGB color model is gray or R, G, B whatever the byte order in memory (e.g. TYPE_3BYTE_BGR)
            raster.getSamples(raster.getMinX(), raster.getMinY(), width, height, c, samples);
            float[] table = lut[c];
            int base = c * height * width;
            for (int i = 0; i < samples.length; i++) {
                out[base + i] = table[samples[i]];
            }
        }
        return new Tensor(new long[]{1, channels, height, width}, out);
    }

    private void checkLayout(ColorModel cm, Raster raster) throws HybridFogException {
        if (cm instanceof IndexColorModel) {
            throw new HybridFogException(ErrorCode.WRONG_DTYPE, "palette (indexed-color) images are not accepted; send 8-bit "
                    + spec.color());
        }
        int csType = cm.getColorSpace().getType();
        String kind = cm.hasAlpha() ? describe(csType) + " with alpha" : describe(csType);
        int expectedType = channels == 1 ? ColorSpace.TYPE_GRAY : ColorSpace.TYPE_RGB;
        if (cm.hasAlpha() || csType != expectedType || raster.getNumBands() != channels) {
            throw new HybridFogException(ErrorCode.WRONG_SHAPE, "image is " + kind + " (" + raster.getNumBands()
                    + " channel(s)), the model expects " + spec.color() + " (" + channels + " channel(s)); it is not converted");
        }
        for (int b = 0; b < channels; b++) {
            int bits = raster.getSampleModel().getSampleSize(b);
            if (bits != 8) {
                throw new HybridFogException(ErrorCode.WRONG_DTYPE, "image has " + bits + "-bit samples, only 8-bit images are accepted");
            }
        }
    }

    private static String describe(int colorSpaceType) {
        return switch (colorSpaceType) {
            case ColorSpace.TYPE_GRAY -> "grayscale";
            case ColorSpace.TYPE_RGB -> "rgb";
            default -> "color space type " + colorSpaceType;
        };
    }

    /**
     * Normalizes raw pixels.
     *
     * @param chwPixels uint8 values (unsigned) in C, H, W order
     * @param shape     [C, H, W] or [1, C, H, W], equal to the spec's shape
     * @return float32 [1, C, H, W]
     * @throws HybridFogException WRONG_SHAPE if the shape differs from the spec;
     *                            MALFORMED_PAYLOAD if chwPixels does not hold exactly C*H*W values
     */
    public Tensor fromPixels(byte[] chwPixels, long[] shape) throws HybridFogException {
        checkShape(shape);
        int plane = height * width;
        if (chwPixels == null || chwPixels.length != channels * plane) {
            throw new HybridFogException(ErrorCode.MALFORMED_PAYLOAD, "expected " + channels * plane + " pixel values, got "
                    + (chwPixels == null ? 0 : chwPixels.length));
        }
        float[] out = new float[chwPixels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = lut[i / plane][chwPixels[i] & 0xFF];
        }
        return new Tensor(new long[]{1, channels, height, width}, out);
    }

    /**
     * @throws HybridFogException WRONG_SHAPE unless shape is [C, H, W] or [1, C, H, W] of this spec
     */
    void checkShape(long[] shape) throws HybridFogException {
        long[] expected = spec.shape();
        boolean ok = shape != null && (Arrays.equals(shape, expected)
                || shape.length == 4 && shape[0] == 1 && Arrays.equals(Arrays.copyOfRange(shape, 1, 4), expected));
        if (!ok) {
            throw new HybridFogException(ErrorCode.WRONG_SHAPE, "input shape " + Arrays.toString(shape) + " does not match "
                    + Arrays.toString(expected) + " (or [1, ...] of it)");
        }
    }
}
