package io.hybridfog.api;

/**
 * The edge partition's input and the normalization applied in training:
 * {@code x = (pixel / pixelScale - mean[c]) / std[c]}, computed in float32 in that order.
 *
 * @param name       ONNX input name
 * @param shape      per-sample shape C, H, W (batch dimension excluded)
 * @param pixelScale divisor of raw 8-bit pixel values, normally 255
 * @param mean       per-channel mean (after scaling), length C
 * @param std        per-channel standard deviation (after scaling), length C
 * @param color      {@code grayscale} (C = 1) or {@code rgb} (C = 3)
 */
public record InputSpec(String name, long[] shape, float pixelScale, float[] mean, float[] std, String color) {

    public int channels() {
        return (int) shape[0];
    }

    public int height() {
        return (int) shape[1];
    }

    public int width() {
        return (int) shape[2];
    }
}
