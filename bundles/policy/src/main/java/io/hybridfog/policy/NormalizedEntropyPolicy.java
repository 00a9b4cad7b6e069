package io.hybridfog.policy;

import io.hybridfog.api.ExitPolicy;
import org.osgi.service.component.annotations.Component;

/**
 * Entropy divided by its maximum ln C, so one threshold means the same for any number of classes:
 * exit if {@code H / ln C} is strictly below the threshold. Score in [0, 1] (unit "fraction of ln C");
 * with a single class (ln 1 = 0) the score is 0: one class is always certain.
 */
@Component(service = ExitPolicy.class, property = ExitPolicy.NAME_PROPERTY + "=" + NormalizedEntropyPolicy.NAME)
public final class NormalizedEntropyPolicy extends AbstractExitPolicy {
    public static final String NAME = "normalized-entropy";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String unit() {
        return "fraction of ln C";
    }

    @Override
    double score(ExitStatistics s) {
        return s.classes() == 1 ? 0 : s.entropyNats() / Math.log(s.classes());
    }

    @Override
    boolean exits(double score, double threshold) {
        return score < threshold;
    }
}
