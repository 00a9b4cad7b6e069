package io.hybridfog.edge;

import io.hybridfog.api.ErrorCode;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Counters of one edge gateway since it started (or since {@link #reset()}). Registered as an OSGi service by
 * every active gateway with the service property {@code gateway.id}. Thread-safe.
 */
@ProviderType
public interface GatewayMetrics {

    /** The gateway's {@code gateway.id}. */
    String gatewayId();

    /**
     * The exit rule the next sample of the configured model gets, for operators, e.g.
     * {@code policy entropy, threshold 0.5222 nats (calibrated threshold of fashion-mnist-hybrid:1.0.0)}; says why if
     * none applies
     * (model not installed, policy missing).
     */
    String exitRule();

    /** A consistent-enough copy of the counters (each counter is read atomically, not all together). */
    Snapshot snapshot();

    /** Sets every counter to 0 (for benchmarks). */
    void reset();

    /** A stage of the gateway's message path, for {@link #stageCpuNanos()}. */
    enum Stage {
        /** PNG/JPEG or tensor payload to the edge partition's input (decode, normalize, checks). */
        DECODE,
        /** The edge partition (ONNX Runtime) and the exit decision. */
        EDGE,
        /** Result JSON and offload request (bit-packed features) encoding. */
        ENCODE,
        /** The journal: admitting samples, recording results, commits to the file. */
        JOURNAL,
        /** Handing messages to the MQTT client and completing offload replies (the client's own threads are not in it). */
        MQTT
    }

    /**
     * CPU time spent in each stage since the start (or {@link #reset()}), nanoseconds, summed over the gateway's
     * threads; the MQTT client's own reader/writer/callback threads are not counted (measure them by thread).
     */
    Map<Stage, Long> stageCpuNanos();

    /**
     * Dynamic batching ({@code max.batch.size}): the runs of the edge partition since the start (or {@link #reset()})
     * and the samples they carried; samples / runs is the mean batch size. A gateway that does not count them
     * reports 0 and 0.
     */
    default Batches edgeBatches() {
        return new Batches(0, 0);
    }

    /**
     * @param runs    runs of the partition (a batch of N samples is one run)
     * @param samples samples those runs carried
     */
    record Batches(long runs, long samples) {
        /** samples / runs, or 0 without runs. */
        public double meanSize() {
            return runs == 0 ? 0 : (double) samples / runs;
        }
    }

    /** The gateway's store-and-forward journal now (read live; see docs/reliability.md). */
    JournalUsage journal();

    /**
     * @param diskBytes     bytes the journal takes on disk now: its MVStore file and its sample files (0 when it is
     *                      kept in memory)
     * @param limitBytes    the most bytes it may take on disk ({@code journal.max.bytes})
     * @param inboxBytes    encoded bytes of the samples it holds that are not answered yet
     * @param outboxResults results waiting for the broker's acknowledgement (a count)
     */
    record JournalUsage(long diskBytes, long limitBytes, long inboxBytes, int outboxResults) {
    }

    /**
     * @param samples         samples received on the samples topic (including rejected ones, not duplicates)
     * @param edgeExits       samples answered by the early exit
     * @param offloads        samples whose features were sent to the cloud
     * @param cloudResults    offloaded samples answered by the cloud
     * @param errors          error results by code (codes with 0 omitted)
     * @param resultsPublished results the broker acknowledged
     * @param publishFailures results (or offload requests) that could not be published
     * @param queued          samples waiting for a worker now
     * @param pendingOffloads offloads waiting for the cloud now
     * @param swapRetries     samples that ran a second time because a model swap closed the version picked for them
     *                        just before it ran (each still got exactly one result)
     * @param fallbacks       offloaded samples answered by the early exit because the cloud did not answer in time
     *                        or could not be reached (exit {@code EDGE_FALLBACK})
     * @param lateReplies     cloud replies that came after their sample was answered (dropped) or matched no request
     * @param duplicates      redelivered samples (same device and sample id within 10 minutes) dropped unanswered:
     *                        their first delivery is answered
     */
    record Snapshot(long samples, long edgeExits, long offloads, long cloudResults, Map<ErrorCode, Long> errors,
                    long resultsPublished, long publishFailures, int queued, int pendingOffloads, long swapRetries,
                    long fallbacks, long lateReplies, long duplicates) {

        /** Sum of all error results. */
        public long errorTotal() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
