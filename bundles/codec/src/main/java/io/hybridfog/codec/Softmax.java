package io.hybridfog.codec;

/**
 * Softmax statistics of a logit vector, computed in double precision with the maximum subtracted
 * first (log-sum-exp trick), so large logits such as [1000, 0] neither overflow nor produce NaN.
 * Stateless and thread-safe.
 */
public final class Softmax {
    private Softmax() {
    }

    /**
     * @param logits float32 [classes], finite, classes &gt;= 1
     * @return p[i] = exp(x[i] - max) / sum_j exp(x[j] - max), double [classes], summing to 1 up to rounding
     * @throws IllegalArgumentException if logits is null, empty or holds NaN or infinity
     */
    public static double[] probabilities(float[] logits) {
        int top = argmax(logits);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp((double) logits[i] - logits[top]);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /**
     * Shannon entropy of the softmax, {@code H = -sum p ln p}, in nats, in [0, ln(classes)].
     * Computed as {@code H = ln Z - sum p_i z_i} with {@code z = x - max} and {@code Z = sum exp(z)}, which
     * needs no {@code ln p_i} (so no {@code 0 * ln 0}); {@code ln Z} is {@code log1p} of the non-maximal terms,
     * which keeps precision for confident outputs where Z is within an ulp of 1.
     *
     * @param logits float32 [classes], finite, classes &gt;= 1
     * @throws IllegalArgumentException if logits is null, empty or holds NaN or infinity
     */
    public static double entropyNats(float[] logits) {
        int top = argmax(logits);
        double rest = 0;        // Z - 1: the max term contributes exp(0) = 1
        double weighted = 0;    // sum exp(z_i) * z_i; the max term's z is 0
        for (int i = 0; i < logits.length; i++) {
            if (i != top) {
                double z = (double) logits[i] - logits[top];
                double e = Math.exp(z);
                rest += e;
                weighted += e * z;
            }
        }
        return Math.log1p(rest) - weighted / (1 + rest);
    }

    /**
     * @param logits float32 [classes], finite, classes &gt;= 1
     * @return index of the largest logit; on ties the lowest index
     * @throws IllegalArgumentException if logits is null, empty or holds NaN or infinity
     */
    public static int argmax(float[] logits) {
        if (logits == null || logits.length == 0) {
            throw new IllegalArgumentException("logits must not be empty");
        }
        int top = 0;
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new IllegalArgumentException("logit " + i + " is " + logits[i] + ", logits must be finite");
            }
            if (logits[i] > logits[top]) {
                top = i;
            }
        }
        return top;
    }
}
