package io.hybridfog.policy;

import io.hybridfog.api.ExitPolicy;
import org.osgi.service.component.annotations.Component;

/**
 * Baseline: no sample exits at the edge, every one is offloaded (the full network). The threshold is
 * ignored (NaN is still rejected); score 0, unit "none".
 */
@Component(service = ExitPolicy.class, property = ExitPolicy.NAME_PROPERTY + "=" + CloudOnlyPolicy.NAME)
public final class CloudOnlyPolicy extends AbstractExitPolicy {
    public static final String NAME = "cloud-only";

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
        return 0;
    }

    @Override
    boolean exits(double score, double threshold) {
        return false;
    }
}
