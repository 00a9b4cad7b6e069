package io.hybridfog.api;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major (C) order.
 *
 * @param shape dimensions, outermost first (for images: N, C, H, W); every dimension &gt;= 1
 * @param data  float32 values, {@code data.length == product(shape)}; not copied
 */
public record Tensor(long[] shape, float[] data) {

    /** @throws IllegalArgumentException if a dimension is &lt; 1 or the element count does not match the shape */
    public Tensor {
        if (shape == null || data == null) {
            throw new IllegalArgumentException("tensor shape and data must not be null");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("tensor dimension must be >= 1, got shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " elements, got " + data.length);
        }
    }

    /** Number of elements (product of the shape). */
    public int size() {
        return data.length;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
