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
     * Dynamic batching ({@code max.batch.size}): runs of the cloud partition since the start (or {@link #reset()})
     * and the requests they carried; requests / runs is the mean batch size. 0 and 0 where not counted.
     */
    default Batches batches() {
        return new Batches(0, 0);
    }

    /**
     * @param runs     runs of the cloud partition (a batch is one run)
     * @param requests requests those runs answered
     */
    record Batches(long runs, long requests) {
        /** requests / runs, or 0 without runs. */
        public double meanSize() {
            return runs == 0 ? 0 : (double) requests / runs;
        }
    }

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
