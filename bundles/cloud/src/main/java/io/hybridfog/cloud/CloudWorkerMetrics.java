package io.hybridfog.cloud;

import io.hybridfog.api.ErrorCode;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/** Counters of one cloud worker since it started (or since {@link #reset()}). Thread-safe. */
@ProviderType
public interface CloudWorkerMetrics {

    /** Each counter read atomically (not all together). */
    Snapshot snapshot();

    /** Sets every counter to 0 (for benchmarks). */
    void reset();

    /**
     * @param requests        offload requests received
     * @param answered        requests answered with logits
     * @param errors          error replies by code (codes with 0 omitted)
     * @param dropped         requests without a response topic (nobody to answer)
     * @param publishFailures replies that could not be published
     * @param queued          requests waiting for a worker now
     */
    record Snapshot(long requests, long answered, Map<ErrorCode, Long> errors, long dropped, long publishFailures,
                    int queued) {
    }
}
