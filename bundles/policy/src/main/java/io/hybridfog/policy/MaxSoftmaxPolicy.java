package io.hybridfog.policy;

import io.hybridfog.api.ExitPolicy;
import org.osgi.service.component.annotations.Component;

/**
 * Exit if the largest softmax probability is at least the threshold ({@code max p >= threshold}, non-strict).
 * Score: max p, unit "probability", in [1/C, 1].
 */
@Component(service = ExitPolicy.class, property = ExitPolicy.NAME_PROPERTY + "=" + MaxSoftmaxPolicy.NAME)
public final class MaxSoftmaxPolicy extends AbstractExitPolicy {
    public static final String NAME = "max-softmax";

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
        return s.confidence();
    }

    @Override
    boolean exits(double score, double threshold) {
        return score >= threshold;
    }
}
