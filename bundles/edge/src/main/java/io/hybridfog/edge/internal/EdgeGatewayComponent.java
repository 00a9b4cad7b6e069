package io.hybridfog.edge.internal;

import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.EnergyModel;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.metrics.ResultObserver;
import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.config.SettingException;
import io.hybridfog.edge.GatewayMetrics;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration PID {@code io.hybridfog.edge}: runs an {@link EdgeGateway} and offers its counters as
 * {@link GatewayMetrics} (service property {@code gateway.id} among the configuration's).
 *
 * <p>References: {@code bus} ({@link MessageBus}, select one with {@code bus.target}), {@code energy}
 * ({@link EnergyModel}), {@code exitPolicies} (all {@link ExitPolicy} services, static: a newly installed policy
 * restarts the gateway, so a policy that arrives after a failed activation is picked up) and {@code partitions}
 * (all {@link EdgePartition} services, dynamic: models are swapped without a restart; each sample uses the highest
 * version of its model), and {@code resultObservers} (all {@link ResultObserver} services, dynamic: monitoring sees
 * every result).
 */
@Component(configurationPid = EdgeGatewayComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = GatewayMetrics.class)
@Designate(ocd = EdgeGatewayComponent.Config.class)
public final class EdgeGatewayComponent implements GatewayMetrics {
    public static final String PID = "io.hybridfog.edge";
    private static final System.Logger LOG = System.getLogger(EdgeGatewayComponent.class.getName());

    @ObjectClassDefinition(name = "HybridFog edge gateway",
            description = "Edge partition + early exit; offloads uncertain samples to the cloud over MQTT 5")
    public @interface Config {
        @AttributeDefinition(name = "Gateway id", description = "One topic level; the cloud replies on replies.topic.prefix + gateway.id")
        String gateway_id();

        @AttributeDefinition(name = "Model", description = "Model name used when a sample has no 'model' user property")
        String model();

        @AttributeDefinition(name = "Samples topic filter", description = "Device id = last topic level")
        String samples_topic() default GatewaySettings.DEFAULT_SAMPLES_TOPIC;

        @AttributeDefinition(name = "Results topic prefix")
        String results_topic_prefix() default GatewaySettings.DEFAULT_RESULTS_TOPIC_PREFIX;

        @AttributeDefinition(name = "Offload topic prefix")
        String offload_topic_prefix() default GatewaySettings.DEFAULT_OFFLOAD_TOPIC_PREFIX;

        @AttributeDefinition(name = "Replies topic prefix")
        String replies_topic_prefix() default GatewaySettings.DEFAULT_REPLIES_TOPIC_PREFIX;

        @AttributeDefinition(name = "Exit policy", required = false, description = "Empty: the model's own policy")
        String exit_policy() default "";

        @AttributeDefinition(name = "Exit threshold", required = false,
                description = "In the policy's unit; empty: the model's calibrated threshold. Required if exit.policy differs from the model's.")
        String exit_threshold() default "";

        @AttributeDefinition(name = "Offload timeout (ms)", min = "1", max = "600000")
        long offload_timeout_ms() default GatewaySettings.DEFAULT_OFFLOAD_TIMEOUT_MS;

        @AttributeDefinition(name = "Offload fallback", options = {
                @org.osgi.service.metatype.annotations.Option(label = "answer from the early exit (EDGE_FALLBACK)", value = "edge"),
                @org.osgi.service.metatype.annotations.Option(label = "answer with an OFFLOAD_FAILED error", value = "error")},
                description = "What a device gets when the cloud does not answer within offload.timeout.ms")
        String offload_fallback() default "edge";

        @AttributeDefinition(name = "Workers", min = "1", max = "256")
        int workers() default GatewaySettings.DEFAULT_WORKERS;

        @AttributeDefinition(name = "Queue capacity", min = "1", max = "1000000")
        int queue_capacity() default GatewaySettings.DEFAULT_QUEUE_CAPACITY;

        @AttributeDefinition(name = "Max payload (bytes)", min = "1", max = "268435456")
        int max_payload_bytes() default GatewaySettings.DEFAULT_MAX_PAYLOAD_BYTES;

        @AttributeDefinition(name = "Journal folder", required = false, description = "Store-and-forward journal of "
                + "results and answered sample ids; empty: <hybridfog.state.dir>/journal/<gateway.id> (the launcher sets "
                + "hybridfog.state.dir to <work>/state), or the bundle's data area without it")
        String journal_dir() default "";

        @AttributeDefinition(name = "Journal size limit (bytes)", min = "1048576", max = "1099511627776",
                description = "Most bytes the journal file takes on disk (at least 4 x max.payload.bytes); samples "
                        + "that do not fit get a JOURNAL_FULL error result, samples already taken are kept")
        long journal_max_bytes() default GatewaySettings.DEFAULT_JOURNAL_MAX_BYTES;

        @AttributeDefinition(name = "Largest batch", min = "1", max = "1024", description = "Dynamic batching: the most "
                + "queued samples a worker runs through the edge partition as one batch (each keeps its own exit "
                + "decision and answer); 1: every sample alone")
        int max_batch_size() default GatewaySettings.DEFAULT_MAX_BATCH_SIZE;

        @AttributeDefinition(name = "Longest batch wait (ms)", min = "0", max = "10000", description = "Dynamic "
                + "batching: how long a batch may wait for more samples after its first sample arrived; 0: take what "
                + "is already queued, never wait")
        long max_batch_wait_ms() default GatewaySettings.DEFAULT_MAX_BATCH_WAIT_MS;
    }



    @Reference(name = "bus")
    private MessageBus bus;

    @Reference(name = "energy")
    private EnergyModel energy;

    @Reference(name = "exitPolicies", cardinality = ReferenceCardinality.AT_LEAST_ONE,
            policyOption = ReferencePolicyOption.GREEDY)
    private List<ExitPolicy> exitPolicies;

    @Reference(name = "partitions", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<EdgePartition> partitions;

    /** Monitoring (e.g. bundle io.hybridfog.metrics): each sees every result. */
    @Reference(name = "resultObservers", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<ResultObserver> resultObservers;

    private volatile EdgeGateway gateway;
    private BundleContext context;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) throws ConfigurationException, IOException {
        this.context = context;
        GatewaySettings settings = checkedSettings(properties, "");
        gateway = new EdgeGateway(bus, () -> partitions, () -> exitPolicies, energy, settings, () -> resultObservers);
        gateway.start();
    }

    /**
     * A changed {@code exit.policy}/{@code exit.threshold} applies to the next samples without a restart (e.g. from
     * the {@code hybridfog:threshold} command); any other change restarts the gateway (queued samples finish first).
     * An invalid configuration is logged and the running settings stay.
     */
    @Modified
    void modified(Map<String, Object> properties) throws ConfigurationException, IOException {
        GatewaySettings next = checkedSettings(properties, " (the running settings stay)");
        GatewaySettings current = gateway.settings();
        if (next.withExit(current.exitPolicy(), current.exitThreshold()).equals(current)) {
            gateway.applyExitSettings(next);
            return;
        }
        LOG.log(Level.INFO, "edge gateway {0}: configuration changed, restarting", current.gatewayId());
        gateway.close();
        gateway = new EdgeGateway(bus, () -> partitions, () -> exitPolicies, energy, next, () -> resultObservers);
        gateway.start();
    }

    /** Parses and checks a configuration; an invalid one is logged and becomes a ConfigurationException naming the key. */
    private GatewaySettings checkedSettings(Map<String, Object> properties, String consequence) throws ConfigurationException {
        try {
            GatewaySettings settings = GatewaySettings.parse(properties);
            checkExitConfiguration(settings, exitPolicies, partitions);
            return settings.journalDir() != null ? settings : settings.withJournalDir(defaultJournalDir(settings.gatewayId()));
        } catch (SettingException e) {
            LOG.log(Level.ERROR, "invalid configuration " + PID + consequence + ": " + e.getMessage());
            throw new ConfigurationException(e.key(), e.getMessage());
        }
    }

    private String defaultJournalDir(String gatewayId) {
        String state = context.getProperty(io.hybridfog.config.FrameworkProperties.STATE_DIR);
        if (state != null && !state.isBlank()) {
            return java.nio.file.Path.of(state, "journal", gatewayId).toString();
        }
        java.io.File data = context.getDataFile("journal/" + gatewayId);
        return data == null ? null : data.toString(); // null: no file system support, kept in memory
    }

    @Deactivate
    void deactivate() {
        if (gateway != null) {
            gateway.close();
        }
    }

    /**
     * Activation-time checks: a configured {@code exit.policy} must be installed; if the configured model is already
     * installed, its exit rule must resolve (e.g. {@code exit.threshold} given when the policy differs from the model's).
     * Models installed later are checked per sample (an INTERNAL error result names the key).
     */
    static void checkExitConfiguration(GatewaySettings s, List<ExitPolicy> policies, List<EdgePartition> installed) {
        ExitRule.checkInstalled(policies, s.exitPolicy());
        EdgePartition p = installed == null ? null : Partitions.newest(installed, s.model());
        if (p != null) {
            ExitRule.resolve(p.descriptor(), policies, s.exitPolicy(), s.exitThreshold());
        }
    }

    @Override
    public String gatewayId() {
        return gateway.metrics().gatewayId();
    }

    @Override
    public String exitRule() {
        return gateway.metrics().exitRule();
    }

    @Override
    public Snapshot snapshot() {
        return gateway.metrics().snapshot();
    }

    @Override
    public void reset() {
        gateway.metrics().reset();
    }

    @Override
    public java.util.Map<Stage, Long> stageCpuNanos() {
        return gateway.metrics().stageCpuNanos();
    }

    @Override
    public Batches edgeBatches() {
        return gateway.metrics().edgeBatches();
    }

    @Override
    public JournalUsage journal() {
        return gateway.metrics().journal();
    }
}
