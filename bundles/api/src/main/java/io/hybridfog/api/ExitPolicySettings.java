package io.hybridfog.api;

/**
 * An exit policy choice and its threshold.
 *
 * @param policy    exit policy name (see {@link ExitPolicy#name()})
 * @param threshold threshold in the policy's unit
 * @param unit      the unit of the threshold, e.g. {@code nats} for entropy
 */
public record ExitPolicySettings(String policy, double threshold, String unit) {
}
