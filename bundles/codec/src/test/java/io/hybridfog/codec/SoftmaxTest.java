package io.hybridfog.codec;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SoftmaxTest {
    private static final float LN3 = (float) Math.log(3);

    @Test
    void twoEqualLogitsGiveHalfAndLnTwo() {
        assertArrayEquals(new double[]{0.5, 0.5}, Softmax.probabilities(new float[]{0, 0}));
        assertEquals(Math.log(2), Softmax.entropyNats(new float[]{0, 0}), 1e-16);
        assertEquals(Math.log(10), Softmax.entropyNats(new float[]{7, 7, 7, 7, 7, 7, 7, 7, 7, 7}), 1e-15);
    }

    @Test
    void lnThreeZeroZeroGivesSixTwoTwo() {
        // exp(ln 3) = 3: p = 3/5, 1/5, 1/5 (up to the float32 rounding of ln 3, ~1e-8 relative)
        double[] p = Softmax.probabilities(new float[]{LN3, 0, 0});
        assertArrayEquals(new double[]{0.6, 0.2, 0.2}, p, 1e-7);
        // H = -(0.6 ln 0.6 + 2 * 0.2 ln 0.2) = 0.9502705392332347
        assertEquals(0.9502705392332347, Softmax.entropyNats(new float[]{LN3, 0, 0}), 1e-7);
        assertEquals(1.0, p[0] + p[1] + p[2], 1e-15);
    }

    @Test
    void largeLogitsAreStable() {
        assertArrayEquals(new double[]{1, 0}, Softmax.probabilities(new float[]{1000, 0}));
        assertEquals(0.0, Softmax.entropyNats(new float[]{1000, 0}));
        // [1000, 999]: p = 1 / (1 + e^-1), e^-1 / (1 + e^-1)
        assertArrayEquals(new double[]{0.7310585786300049, 0.2689414213699951}, Softmax.probabilities(new float[]{1000, 999}), 1e-15);
        assertEquals(0.5822031088882179, Softmax.entropyNats(new float[]{1000, 999}), 1e-15);
        assertArrayEquals(new double[]{0.5, 0.5}, Softmax.probabilities(new float[]{-Float.MAX_VALUE, -Float.MAX_VALUE}));
    }

    @Test
    void entropyOfAConfidentOutputKeepsItsPrecision() {
        // [40, 0]: H = ln(1 + e^-40) + 40 e^-40 / (1 + e^-40) = 41 e^-40 to 1e-17 relative = 1.7418252446695514e-16;
        // ln(Z) without log1p would round to 0 and give 40 e^-40
        double e40 = Math.exp(-40);
        assertEquals(41 * e40, Softmax.entropyNats(new float[]{40, 0}), 41 * e40 * 1e-12);
    }

    @Test
    void argmaxTakesTheLowestIndexOnTies() {
        assertEquals(1, Softmax.argmax(new float[]{1, 3, 3}));
        assertEquals(0, Softmax.argmax(new float[]{-2}));
        assertEquals(2, Softmax.argmax(new float[]{-5, -4, -1}));
    }

    @Test
    void invalidLogitsAreRejected() {
        for (float[] bad : new float[][]{{}, {Float.NaN, 0}, {0, Float.POSITIVE_INFINITY}, {Float.NEGATIVE_INFINITY}}) {
            assertThrows(IllegalArgumentException.class, () -> Softmax.probabilities(bad));
            assertThrows(IllegalArgumentException.class, () -> Softmax.entropyNats(bad));
        }
        assertThrows(IllegalArgumentException.class, () -> Softmax.argmax(null));
    }
}
