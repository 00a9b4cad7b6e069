package io.hybridfog.policy;

import io.hybridfog.api.ExitPolicy;
import org.osgi.service.component.annotations.Component;

/**
 * The policy of Long, Chakraborty, Roy (arXiv 2005.10851): exit at the edge if the entropy of the
 * early-exit softmax {@code H = -sum p ln p} (nats) is strictly below the threshold. Score: H in nats,
 * in [0, ln C]. Threshold 0 never exits; a threshold above ln C always exits.
 */
@Component(service = ExitPolicy.class, property = ExitPolicy.NAME_PROPERTY + "=" + EntropyPolicy.NAME)
public final class EntropyPolicy extends AbstractExitPolicy {
    public static final String NAME = "entropy";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String unit() {
        return "nats";
    }

    @Override
    double score(ExitStatistics s) {
        return s.entropyNats();
    }

    @Override
    boolean exits(double score, double threshold) {
        return score < threshold;
    }
}
