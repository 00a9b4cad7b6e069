package io.hybridfog.policy;

import io.hybridfog.api.ExitPolicy;
import org.osgi.service.component.annotations.Component;

/**
 * Exit if the top probability exceeds the runner-up by at least the threshold
 * ({@code p_top1 - p_top2 >= threshold}, non-strict). Score in [0, 1], unit "probability";
 * 0 on a tie for the top, {@code p_top1} (= 1) with a single class.
 */
@Component(service = ExitPolicy.class, property = ExitPolicy.NAME_PROPERTY + "=" + MarginPolicy.NAME)
public final class MarginPolicy extends AbstractExitPolicy {
    public static final String NAME = "margin";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String unit() {
        return "probability";
    }

    @Override
    double score(ExitStatistics s) {
        return s.confidence() - s.runnerUp();
    }

    @Override
    boolean exits(double score, double threshold) {
        return score >= threshold;
    }
}
