package io.hybridfog.policy;

import io.hybridfog.api.ExitDecision;
import io.hybridfog.api.ExitPolicy;

/** Computes the statistics every decision reports, and leaves the score and the comparison to subclasses. */
abstract class AbstractExitPolicy implements ExitPolicy {

    /**
     * @param logits    float32 [classes], finite
     * @param threshold in {@link #unit()}; may be infinite, must not be NaN
     * @throws IllegalArgumentException if logits is null, empty or not finite, or threshold is NaN
     */
    @Override
    public final ExitDecision decide(float[] logits, double threshold) {
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("threshold of exit policy " + name() + " is NaN");
        }
        ExitStatistics s = ExitStatistics.of(logits);
        double score = score(s);
        return new ExitDecision(exits(score, threshold), s.predictedClass(), s.confidence(), s.entropyNats(), score);
    }

    /** The policy's score in {@link #unit()}. */
    abstract double score(ExitStatistics s);

    /** Whether a sample with this score exits at the edge. */
    abstract boolean exits(double score, double threshold);

    @Override
    public String toString() {
        return "ExitPolicy[" + name() + ", " + unit() + "]";
    }
}
