package io.hybridfog.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides whether a sample exits at the edge from its early-exit logits.
 * Registered as an OSGi service with the property {@link #NAME_PROPERTY}; stateless and thread-safe.
 */
@ConsumerType
public interface ExitPolicy {

    /** Service property holding {@link #name()}. */
    String NAME_PROPERTY = "hybridfog.exit.policy";

    /** Policy name used in configuration, e.g. {@code entropy}, {@code normalized-entropy}, {@code max-softmax}, {@code margin}. */
    String name();

    /** Unit of the score and threshold, e.g. {@code nats} or {@code probability}. */
    String unit();

    /**
     * @param logits    early-exit logits of one sample, float32 [classes], finite
     * @param threshold threshold in {@link #unit()}
     * @return the decision; never null
     * @throws IllegalArgumentException if logits is empty
     */
    ExitDecision decide(float[] logits, double threshold);
}
