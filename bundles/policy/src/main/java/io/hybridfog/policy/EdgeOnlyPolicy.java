package io.hybridfog.policy;

import io.hybridfog.api.ExitPolicy;
import org.osgi.service.component.annotations.Component;

/**
 * Baseline: every sample exits at the edge (the edge partition alone). The threshold is ignored
 * (NaN is still rejected); score 1, unit "none".
 */
@Component(service = ExitPolicy.class, property = ExitPolicy.NAME_PROPERTY + "=" + EdgeOnlyPolicy.NAME)
public final class EdgeOnlyPolicy extends AbstractExitPolicy {
    public static final String NAME = "edge-only";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String unit() {
        return "none";
    }

    @Override
    double score(ExitStatistics s) {
        return 1;
    }

    @Override
    boolean exits(double score, double threshold) {
        return true;
    }
}
