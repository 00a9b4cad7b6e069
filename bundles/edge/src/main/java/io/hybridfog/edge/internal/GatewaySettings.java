package io.hybridfog.edge.internal;

import io.hybridfog.config.ComponentConfig;
import io.hybridfog.config.SettingException;
import java.util.Map;

/**
 * Validated settings of the edge gateway (configuration PID {@code io.hybridfog.edge}). The constructor checks
 * every value and throws {@link SettingException} naming the key.
 *
 * @param gatewayId          this gateway's id, one topic level (key {@code gateway.id}, required)
 * @param samplesTopic       topic filter devices publish samples to; the device id is the last level of the actual
 *                           topic (key {@code samples.topic}, default {@value #DEFAULT_SAMPLES_TOPIC}; may be a
 *                           {@code $share/<group>/...} filter so several gateways share devices)
 * @param resultsTopicPrefix results go to prefix + device id (key {@code results.topic.prefix})
 * @param offloadTopicPrefix offload requests go to prefix + model name (key {@code offload.topic.prefix})
 * @param repliesTopicPrefix the cloud answers on prefix + gateway id (key {@code replies.topic.prefix})
 * @param model              default model name, used when a sample names none (key {@code model}, required)
 * @param exitPolicy         exit policy name; null = each model's own from its metadata (key {@code exit.policy})
 * @param exitThreshold      threshold in the policy's unit; null = the model's calibrated one (key {@code exit.threshold});
 *                           required when {@code exitPolicy} differs from the model's policy
 * @param offloadTimeoutMs   how long an offloaded sample waits for the cloud, ms (key {@code offload.timeout.ms})
 * @param offloadFallback    true: a sample whose offload fails (no reply within the timeout, cannot be sent) is
 *                           answered by its early exit with exit {@code EDGE_FALLBACK}; false: an OFFLOAD_FAILED
 *                           error (key {@code offload.fallback}: {@code edge} or {@code error})
 * @param workers            threads running decode + edge partition (key {@code workers})
 * @param queueCapacity      samples waiting for a worker; also the most offloads pending at once (key {@code queue.capacity})
 * @param maxPayloadBytes    largest sample payload accepted, bytes (key {@code max.payload.bytes})
 * @param journalDir         folder of the store-and-forward journal ({@link ResultJournal}; key {@code journal.dir});
 *                           null keeps it in memory, so results waiting for the broker do not survive a restart. The
 *                           OSGi component defaults it to {@code <hybridfog.state.dir>/journal/<gateway.id>}.
 * @param journalMaxBytes    most bytes the journal file may take on disk (key {@code journal.max.bytes}, default
 *                           {@value #DEFAULT_JOURNAL_MAX_BYTES}); at least 4 x {@code max.payload.bytes}. New samples
 *                           that do not fit get a JOURNAL_FULL error result; samples already taken are kept.
 * @param maxBatchSize       dynamic batching: the most samples a worker runs through the edge partition as one batch
 *                           (key {@code max.batch.size}, default {@value #DEFAULT_MAX_BATCH_SIZE}, 1 to
 *                           {@value #MAX_BATCH_SIZE_LIMIT}); a worker takes the samples waiting in the queue, up to this
 *                           many. 1 runs every sample alone.
 * @param maxBatchWaitMs     dynamic batching: how long a batch may wait for more samples after its first sample arrived,
 *                           ms (key {@code max.batch.wait.ms}, default 0: take what is already queued, never wait)
 */
public record GatewaySettings(String gatewayId, String samplesTopic, String resultsTopicPrefix, String offloadTopicPrefix,
                              String repliesTopicPrefix, String model, String exitPolicy, Double exitThreshold,
                              long offloadTimeoutMs, boolean offloadFallback, int workers, int queueCapacity,
                              int maxPayloadBytes, String journalDir, long journalMaxBytes, int maxBatchSize,
                              long maxBatchWaitMs) {

    public static final String DEFAULT_SAMPLES_TOPIC = "hybridfog/samples/+";
    public static final String DEFAULT_RESULTS_TOPIC_PREFIX = "hybridfog/results/";
    public static final String DEFAULT_OFFLOAD_TOPIC_PREFIX = "hybridfog/offload/";
    public static final String DEFAULT_REPLIES_TOPIC_PREFIX = "hybridfog/offload-replies/";
    public static final long DEFAULT_OFFLOAD_TIMEOUT_MS = 5000;
    public static final int DEFAULT_WORKERS = 2;
    public static final int DEFAULT_QUEUE_CAPACITY = 1000;
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;
    public static final long DEFAULT_JOURNAL_MAX_BYTES = 256L << 20;
    /** Smallest {@code journal.max.bytes}, bytes. */
    public static final long MIN_JOURNAL_MAX_BYTES = 1L << 20;
    public static final int DEFAULT_MAX_BATCH_SIZE = 16;
    /** Largest {@code max.batch.size}. */
    public static final int MAX_BATCH_SIZE_LIMIT = 1024;
    public static final long DEFAULT_MAX_BATCH_WAIT_MS = 0;

    public GatewaySettings {
        Topics.checkLevel("gateway.id", gatewayId);
        Topics.checkFilter("samples.topic", samplesTopic);
        Topics.checkPrefix("results.topic.prefix", resultsTopicPrefix);
        Topics.checkPrefix("offload.topic.prefix", offloadTopicPrefix);
        Topics.checkPrefix("replies.topic.prefix", repliesTopicPrefix);
        Topics.checkLevel("model", model);
        if (exitPolicy != null && exitPolicy.isBlank()) {
            exitPolicy = null;
        }
        if (exitThreshold != null && exitThreshold.isNaN()) {
            throw new SettingException("exit.threshold", "must not be NaN");
        }
        SettingException.requireRange("offload.timeout.ms", offloadTimeoutMs, 1, 600_000);
        SettingException.requireRange("workers", workers, 1, 256);
        SettingException.requireRange("queue.capacity", queueCapacity, 1, 1_000_000);
        SettingException.requireRange("max.payload.bytes", maxPayloadBytes, 1, 256 << 20);
        if (journalDir != null && journalDir.isBlank()) {
            journalDir = null;
        }
        SettingException.requireRange("journal.max.bytes", journalMaxBytes, MIN_JOURNAL_MAX_BYTES, 1L << 40);
        if (journalMaxBytes < 4L * maxPayloadBytes) {
            throw new SettingException("journal.max.bytes", "must be at least 4 x max.payload.bytes ("
                    + 4L * maxPayloadBytes + "), got " + journalMaxBytes);
        }
        SettingException.requireRange("max.batch.size", maxBatchSize, 1, MAX_BATCH_SIZE_LIMIT);
        SettingException.requireRange("max.batch.wait.ms", maxBatchWaitMs, 0, 10_000);
    }

    /** Settings with defaults for everything but gateway id and model; for tests and plain-Java wiring. */
    public static GatewaySettings of(String gatewayId, String model) {
        return new GatewaySettings(gatewayId, DEFAULT_SAMPLES_TOPIC, DEFAULT_RESULTS_TOPIC_PREFIX,
                DEFAULT_OFFLOAD_TOPIC_PREFIX, DEFAULT_REPLIES_TOPIC_PREFIX, model, null, null,
                DEFAULT_OFFLOAD_TIMEOUT_MS, true, DEFAULT_WORKERS, DEFAULT_QUEUE_CAPACITY, DEFAULT_MAX_PAYLOAD_BYTES, null,
                DEFAULT_JOURNAL_MAX_BYTES, DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_BATCH_WAIT_MS);
    }

    /**
     * Parses a ConfigAdmin dictionary through {@link EdgeGatewayComponent.Config} (keys and defaults);
     * {@link SettingException} names the offending key.
     */
    public static GatewaySettings parse(Map<String, ?> properties) {
        EdgeGatewayComponent.Config c = ComponentConfig.read(EdgeGatewayComponent.Config.class, properties);
        return new GatewaySettings(c.gateway_id(), c.samples_topic(), c.results_topic_prefix(), c.offload_topic_prefix(),
                c.replies_topic_prefix(), c.model(), c.exit_policy(), optionalThreshold(c.exit_threshold()),
                c.offload_timeout_ms(), fallback(c.offload_fallback()), c.workers(), c.queue_capacity(),
                c.max_payload_bytes(), c.journal_dir(), c.journal_max_bytes(), c.max_batch_size(), c.max_batch_wait_ms());
    }

    private static Double optionalThreshold(String value) {
        return value == null || value.isEmpty() ? null : ComponentConfig.doubleValue("exit.threshold", value);
    }

    public GatewaySettings withOffloadFallback(boolean fallback) {
        return new GatewaySettings(gatewayId, samplesTopic, resultsTopicPrefix, offloadTopicPrefix, repliesTopicPrefix,
                model, exitPolicy, exitThreshold, offloadTimeoutMs, fallback, workers, queueCapacity, maxPayloadBytes, journalDir,
                journalMaxBytes, maxBatchSize, maxBatchWaitMs);
    }

    public GatewaySettings withJournalDir(String dir) {
        return new GatewaySettings(gatewayId, samplesTopic, resultsTopicPrefix, offloadTopicPrefix, repliesTopicPrefix,
                model, exitPolicy, exitThreshold, offloadTimeoutMs, offloadFallback, workers, queueCapacity, maxPayloadBytes, dir,
                journalMaxBytes, maxBatchSize, maxBatchWaitMs);
    }

    public GatewaySettings withJournalMaxBytes(long maxBytes) {
        return new GatewaySettings(gatewayId, samplesTopic, resultsTopicPrefix, offloadTopicPrefix, repliesTopicPrefix,
                model, exitPolicy, exitThreshold, offloadTimeoutMs, offloadFallback, workers, queueCapacity, maxPayloadBytes,
                journalDir, maxBytes, maxBatchSize, maxBatchWaitMs);
    }

    public GatewaySettings withBatching(int maxBatchSize, long maxBatchWaitMs) {
        return new GatewaySettings(gatewayId, samplesTopic, resultsTopicPrefix, offloadTopicPrefix, repliesTopicPrefix,
                model, exitPolicy, exitThreshold, offloadTimeoutMs, offloadFallback, workers, queueCapacity, maxPayloadBytes,
                journalDir, journalMaxBytes, maxBatchSize, maxBatchWaitMs);
    }

    private static boolean fallback(String value) {
        return switch (value) {
            case "edge" -> true;
            case "error" -> false;
            default -> throw new SettingException("offload.fallback", "must be 'edge' or 'error', got '" + value + "'");
        };
    }

    /** The topic this gateway receives cloud replies on: {@code replies.topic.prefix + gateway.id}. */
    public String repliesTopic() {
        return repliesTopicPrefix + gatewayId;
    }

    public GatewaySettings withExit(String policy, Double threshold) {
        return new GatewaySettings(gatewayId, samplesTopic, resultsTopicPrefix, offloadTopicPrefix, repliesTopicPrefix,
                model, policy, threshold, offloadTimeoutMs, offloadFallback, workers, queueCapacity, maxPayloadBytes, journalDir,
                journalMaxBytes, maxBatchSize, maxBatchWaitMs);
    }

    public GatewaySettings withLimits(long offloadTimeoutMs, int workers, int queueCapacity, int maxPayloadBytes) {
        return new GatewaySettings(gatewayId, samplesTopic, resultsTopicPrefix, offloadTopicPrefix, repliesTopicPrefix,
                model, exitPolicy, exitThreshold, offloadTimeoutMs, offloadFallback, workers, queueCapacity, maxPayloadBytes, journalDir,
                journalMaxBytes, maxBatchSize, maxBatchWaitMs);
    }
}
