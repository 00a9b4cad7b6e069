package io.hybridfog.cloud.internal;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.cloud.CloudWorkerMetrics;
import io.hybridfog.config.SettingException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration PID {@code io.hybridfog.cloud}: runs a {@link CloudWorker} and offers its counters as
 * {@link CloudWorkerMetrics}. References {@code bus} ({@link MessageBus}; select with {@code bus.target}) and
 * {@code partitions} (all {@link CloudPartition} services, dynamic: model versions come and go without a restart).
 */
@Component(configurationPid = CloudWorkerComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = CloudWorkerMetrics.class)
@Designate(ocd = CloudWorkerComponent.Config.class)
public final class CloudWorkerComponent implements CloudWorkerMetrics {
    public static final String PID = "io.hybridfog.cloud";
    private static final System.Logger LOG = System.getLogger(CloudWorkerComponent.class.getName());

    @ObjectClassDefinition(name = "HybridFog cloud worker", description = "Answers offload requests with the cloud partition")
    public @interface Config {
        @AttributeDefinition(name = "Offload subscription", description = "MQTT 5 shared subscription of offload requests")
        String offload_subscription() default CloudWorkerSettings.DEFAULT_OFFLOAD_SUBSCRIPTION;

        @AttributeDefinition(name = "Workers", min = "1", max = "256")
        int workers() default CloudWorkerSettings.DEFAULT_WORKERS;

        @AttributeDefinition(name = "Queue capacity", min = "1", max = "1000000")
        int queue_capacity() default CloudWorkerSettings.DEFAULT_QUEUE_CAPACITY;

        @AttributeDefinition(name = "Max payload (bytes)", min = "1", max = "268435456")
        int max_payload_bytes() default CloudWorkerSettings.DEFAULT_MAX_PAYLOAD_BYTES;

        @AttributeDefinition(name = "Largest batch", min = "1", max = "1024", description = "Dynamic batching: the most "
                + "queued requests of one model version a worker runs through the cloud partition as one batch (each "
                + "keeps its own reply); 1: every request alone")
        int max_batch_size() default CloudWorkerSettings.DEFAULT_MAX_BATCH_SIZE;

        @AttributeDefinition(name = "Longest batch wait (ms)", min = "0", max = "10000", description = "Dynamic "
                + "batching: how long a batch may wait for more requests after its first one was taken; 0: take what is "
                + "already queued, never wait")
        long max_batch_wait_ms() default CloudWorkerSettings.DEFAULT_MAX_BATCH_WAIT_MS;
    }

    @Reference(name = "bus")
    private MessageBus bus;

    @Reference(name = "partitions", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<CloudPartition> partitions;

    private CloudWorker worker;

    @Activate
    void activate(Map<String, Object> properties) throws ConfigurationException, IOException {
        CloudWorkerSettings settings;
        try {
            settings = CloudWorkerSettings.parse(properties);
        } catch (SettingException e) {
            LOG.log(Level.ERROR, "invalid configuration " + PID + ": " + e.getMessage());
            throw new ConfigurationException(e.key(), e.getMessage());
        }
        worker = new CloudWorker(bus, () -> partitions, settings);
        worker.start();
    }

    @Deactivate
    void deactivate() {
        if (worker != null) {
            worker.close();
        }
    }

    @Override
    public Snapshot snapshot() {
        return worker.metrics().snapshot();
    }

    @Override
    public void reset() {
        worker.metrics().reset();
    }

    @Override
    public Batches batches() {
        return worker.metrics().batches();
    }
}
