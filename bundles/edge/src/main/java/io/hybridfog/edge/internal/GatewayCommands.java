package io.hybridfog.edge.internal;

import io.hybridfog.edge.GatewayMetrics;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Gogo shell commands for the edge gateway (found by the {@code osgi.command.*} service properties):
 * <pre>
 * hybridfog:gateway            per gateway: exit rule in effect and counters
 * hybridfog:threshold &lt;value&gt;  sets exit.threshold of PID io.hybridfog.edge (in the policy's unit, e.g. nats);
 *                              applies to the next samples without a restart
 * hybridfog:threshold model    removes exit.threshold: the model's calibrated threshold applies again
 * </pre>
 * The threshold goes through ConfigurationAdmin, so it is validated like any configuration and (with FileInstall's
 * write-back) kept in the configuration file.
 */
@Component(service = GatewayCommands.class, property = {
        "osgi.command.scope=hybridfog",
        "osgi.command.function=gateway",
        "osgi.command.function=threshold"})
public class GatewayCommands {

    @Reference
    private ConfigurationAdmin configurationAdmin;

    private final List<GatewayMetrics> gateways = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addGateway(GatewayMetrics gateway) {
        gateways.add(gateway);
    }

    void removeGateway(GatewayMetrics gateway) {
        gateways.remove(gateway);
    }

    public String gateway() {
        if (gateways.isEmpty()) {
            return "no edge gateway is running (configuration " + EdgeGatewayComponent.PID + " missing or invalid?)";
        }
        StringBuilder out = new StringBuilder();
        for (GatewayMetrics g : gateways) {
            GatewayMetrics.Snapshot s = g.snapshot();
            out.append("gateway ").append(g.gatewayId()).append('\n')
                    .append("  exit rule        ").append(g.exitRule()).append('\n')
                    .append(String.format("  samples          %d (edge exits %d, offloads %d, cloud results %d)%n",
                            s.samples(), s.edgeExits(), s.offloads(), s.cloudResults()))
                    .append(String.format("  edge fallbacks   %d (cloud did not answer in time); %d late cloud replies dropped%n",
                            s.fallbacks(), s.lateReplies()))
                    .append(String.format("  duplicates       %d redelivered samples dropped%n", s.duplicates()))
                    .append(String.format("  errors           %d %s%n", s.errorTotal(), s.errors()))
                    .append(String.format("  results sent     %d (publish failures %d)%n", s.resultsPublished(), s.publishFailures()))
                    .append(String.format("  now              %d queued, %d offloads pending; %d swap retries%n",
                            s.queued(), s.pendingOffloads(), s.swapRetries()));
        }
        return out.toString();
    }

    /**
     * @param value a finite number &gt;= 0 in the exit policy's unit, or {@code model} for the model's calibrated one
     * @throws IllegalArgumentException if value is neither
     * @throws IOException if ConfigurationAdmin cannot store the configuration
     */
    public String threshold(String value) throws IOException {
        Double threshold = null;
        if (!"model".equals(value)) {
            try {
                threshold = Double.valueOf(value);
            } catch (NumberFormatException e) {
                threshold = Double.NaN;
            }
            if (!Double.isFinite(threshold) || threshold < 0) {
                throw new IllegalArgumentException("threshold must be a finite number >= 0 in the exit policy's unit, "
                        + "or 'model' for the model's calibrated threshold; got '" + value + "'");
            }
        }
        Configuration c = configurationAdmin.getConfiguration(EdgeGatewayComponent.PID, "?");
        Dictionary<String, Object> properties = c.getProperties();
        if (properties == null) {
            throw new IllegalStateException("no configuration " + EdgeGatewayComponent.PID + " to change");
        }
        Dictionary<String, Object> updated = new Hashtable<>();
        for (String key : java.util.Collections.list(properties.keys())) {
            updated.put(key, properties.get(key));
        }
        if (threshold == null) {
            updated.remove("exit.threshold");
        } else {
            updated.put("exit.threshold", threshold.toString());
        }
        c.update(updated);
        return "exit.threshold " + (threshold == null ? "removed (the model's calibrated threshold applies)" : "= " + threshold)
                + " for " + EdgeGatewayComponent.PID + "; applies to the next samples (see hybridfog:gateway)";
    }
}
