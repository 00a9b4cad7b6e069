package io.hybridfog.edge.internal;

import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.ExitPolicySettings;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.config.SettingException;
import java.util.Collection;
import java.util.TreeSet;

/**
 * The exit policy and threshold the gateway applies to one model version.
 *
 * @param policy    the policy service
 * @param threshold threshold in {@code policy.unit()}
 */
record ExitRule(ExitPolicy policy, double threshold) {

    /**
     * Resolves the rule for a model: the configured policy (or the model's own) and the configured threshold (or the
     * model's calibrated one, which is only meaningful for the model's own policy).
     *
     * @param configuredPolicy    {@code exit.policy}, null for the model's own
     * @param configuredThreshold {@code exit.threshold}, null for the model's own
     * @throws SettingException {@code exit.policy} if no such policy is installed (the message lists the installed
     *                          ones); {@code exit.threshold} if the policy differs from the model's and no threshold is set
     */
    static ExitRule resolve(ModelDescriptor model, Collection<? extends ExitPolicy> policies, String configuredPolicy,
                            Double configuredThreshold) {
        ExitPolicySettings own = model.exitPolicy();
        String name = configuredPolicy != null ? configuredPolicy : own.policy();
        ExitPolicy policy = find(policies, name);
        if (policy == null) {
            throw new SettingException("exit.policy", "no exit policy '" + name + "'"
                    + (configuredPolicy == null ? " (the policy of " + model.id() + ")" : "")
                    + " is installed; installed: " + names(policies));
        }
        if (configuredThreshold != null) {
            return new ExitRule(policy, configuredThreshold);
        }
        if (!name.equals(own.policy())) {
            throw new SettingException("exit.threshold", "required because exit.policy '" + name + "' differs from the "
                    + "policy of " + model.id() + " ('" + own.policy() + "'), whose threshold " + own.threshold() + " "
                    + own.unit() + " is in that policy's unit");
        }
        return new ExitRule(policy, own.threshold());
    }

    /** @throws SettingException {@code exit.policy} if a configured policy name is not installed */
    static void checkInstalled(Collection<? extends ExitPolicy> policies, String configuredPolicy) {
        if (configuredPolicy != null && find(policies, configuredPolicy) == null) {
            throw new SettingException("exit.policy", "unknown exit policy '" + configuredPolicy + "'; installed: " + names(policies));
        }
    }

    private static ExitPolicy find(Collection<? extends ExitPolicy> policies, String name) {
        for (ExitPolicy p : policies) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    private static String names(Collection<? extends ExitPolicy> policies) {
        TreeSet<String> names = new TreeSet<>();
        policies.forEach(p -> names.add(p.name()));
        return names.toString();
    }
}
