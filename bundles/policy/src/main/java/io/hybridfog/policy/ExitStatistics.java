package io.hybridfog.policy;

import io.hybridfog.codec.Softmax;

/**
 * Softmax statistics of one early-exit output, all in double (math in {@link Softmax}).
 *
 * @param classes        number of classes C &gt;= 1
 * @param predictedClass argmax of the logits, lowest index on ties
 * @param confidence     largest softmax probability, in [1/C, 1]
 * @param runnerUp       second largest probability (the other tied maximum on ties), 0 if C = 1
 * @param entropyNats    Shannon entropy of the softmax, nats, in [0, ln C]
 */
public record ExitStatistics(int classes, int predictedClass, double confidence, double runnerUp, double entropyNats) {

    /**
     * @param logits float32 [classes], finite, not empty
     * @throws IllegalArgumentException if logits is null, empty or not finite
     */
    public static ExitStatistics of(float[] logits) {
        double[] p = Softmax.probabilities(logits);
        int top = Softmax.argmax(logits);
        double second = 0;
        for (int i = 0; i < p.length; i++) {
            if (i != top && p[i] > second) {
                second = p[i];
            }
        }
        return new ExitStatistics(p.length, top, p[top], second, Softmax.entropyNats(logits));
    }
}
