package io.hybridfog.cloud.internal;

import io.hybridfog.config.ComponentConfig;
import io.hybridfog.config.SettingException;
import java.util.Map;

/**
 * Validated settings of the cloud worker (configuration PID {@code io.hybridfog.cloud}).
 *
 * @param offloadSubscription topic filter of offload requests (key {@code offload.subscription}, default
 *                            {@value #DEFAULT_OFFLOAD_SUBSCRIPTION}: an MQTT 5 shared subscription, so the workers
 *                            of one group share the load)
 * @param workers             threads running the cloud partition (key {@code workers})
 * @param queueCapacity       requests waiting for a worker; beyond it a request gets an OVERLOADED error reply
 *                            (key {@code queue.capacity})
 * @param maxPayloadBytes     largest request payload accepted, bytes (key {@code max.payload.bytes})
 * @param maxBatchSize        dynamic batching: the most queued requests of one model version a worker runs through the
 *                            cloud partition as one batch (key {@code max.batch.size}, default
 *                            {@value #DEFAULT_MAX_BATCH_SIZE}, 1 to {@value #MAX_BATCH_SIZE_LIMIT}); 1 runs every request
 *                            alone
 * @param maxBatchWaitMs      dynamic batching: how long a batch may wait for more requests after its first one was
 *                            taken, ms (key {@code max.batch.wait.ms}, default 0: take what is already queued, never wait)
 */
public record CloudWorkerSettings(String offloadSubscription, int workers, int queueCapacity, int maxPayloadBytes,
                                  int maxBatchSize, long maxBatchWaitMs) {
    public static final String DEFAULT_OFFLOAD_SUBSCRIPTION = "$share/hybridfog-cloud/hybridfog/offload/+";
    public static final int DEFAULT_WORKERS = 2;
    public static final int DEFAULT_QUEUE_CAPACITY = 1000;
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 4 << 20;
    public static final int DEFAULT_MAX_BATCH_SIZE = 16;
    /** Largest {@code max.batch.size}. */
    public static final int MAX_BATCH_SIZE_LIMIT = 1024;
    public static final long DEFAULT_MAX_BATCH_WAIT_MS = 0;

    public CloudWorkerSettings {
        if (offloadSubscription == null || offloadSubscription.isBlank()) {
            throw new SettingException("offload.subscription", "must not be empty");
        }
        if (offloadSubscription.startsWith("$share/") && offloadSubscription.split("/", 3).length < 3) {
            throw new SettingException("offload.subscription", "must be $share/<group>/<filter>, got '" + offloadSubscription + "'");
        }
        SettingException.requireRange("workers", workers, 1, 256);
        SettingException.requireRange("queue.capacity", queueCapacity, 1, 1_000_000);
        SettingException.requireRange("max.payload.bytes", maxPayloadBytes, 1, 256 << 20);
        SettingException.requireRange("max.batch.size", maxBatchSize, 1, MAX_BATCH_SIZE_LIMIT);
        SettingException.requireRange("max.batch.wait.ms", maxBatchWaitMs, 0, 10_000);
    }

    /** Default batching ({@value #DEFAULT_MAX_BATCH_SIZE}, no wait). */
    public CloudWorkerSettings(String offloadSubscription, int workers, int queueCapacity, int maxPayloadBytes) {
        this(offloadSubscription, workers, queueCapacity, maxPayloadBytes, DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_BATCH_WAIT_MS);
    }

    public CloudWorkerSettings withBatching(int maxBatchSize, long maxBatchWaitMs) {
        return new CloudWorkerSettings(offloadSubscription, workers, queueCapacity, maxPayloadBytes, maxBatchSize,
                maxBatchWaitMs);
    }

    public static CloudWorkerSettings defaults() {
        return new CloudWorkerSettings(DEFAULT_OFFLOAD_SUBSCRIPTION, DEFAULT_WORKERS, DEFAULT_QUEUE_CAPACITY,
                DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /**
     * Parses a ConfigAdmin dictionary through {@link CloudWorkerComponent.Config} (keys and defaults);
     * {@link SettingException} names the offending key.
     */
    public static CloudWorkerSettings parse(Map<String, ?> properties) {
        CloudWorkerComponent.Config c = ComponentConfig.read(CloudWorkerComponent.Config.class, properties);
        return new CloudWorkerSettings(c.offload_subscription(), c.workers(), c.queue_capacity(), c.max_payload_bytes(),
                c.max_batch_size(), c.max_batch_wait_ms());
    }
}
