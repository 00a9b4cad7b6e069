package io.hybridfog.edge.internal;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.edge.GatewayMetrics;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** The gateway's counters; {@code queued} and {@code pendingOffloads} are read live from their sources. */
final class Counters implements GatewayMetrics {
    private final String gatewayId;
    private final IntSupplier queued;
    private final IntSupplier pendingOffloads;
    private final Supplier<String> exitRule;
    private final Supplier<JournalUsage> journal;
    final LongAdder samples = new LongAdder();
    final LongAdder edgeExits = new LongAdder();
    final LongAdder offloads = new LongAdder();
    final LongAdder cloudResults = new LongAdder();
    final LongAdder resultsPublished = new LongAdder();
    final LongAdder publishFailures = new LongAdder();
    final LongAdder swapRetries = new LongAdder();
    final LongAdder fallbacks = new LongAdder();
    final LongAdder lateReplies = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    /** Runs of the edge partition and the samples they carried (dynamic batching). */
    final LongAdder edgeRuns = new LongAdder();
    final LongAdder edgeRunSamples = new LongAdder();
    private final Map<ErrorCode, LongAdder> errors = new EnumMap<>(ErrorCode.class);
    final StageClock stages = new StageClock();

    Counters(String gatewayId, IntSupplier queued, IntSupplier pendingOffloads, Supplier<String> exitRule,
             Supplier<JournalUsage> journal) {
        this.gatewayId = gatewayId;
        this.journal = journal;
        this.exitRule = exitRule;
        this.queued = queued;
        this.pendingOffloads = pendingOffloads;
        for (ErrorCode c : ErrorCode.values()) {
            errors.put(c, new LongAdder());
        }
    }

    void error(ErrorCode code) {
        errors.get(code).increment();
    }

    @Override
    public String gatewayId() {
        return gatewayId;
    }

    @Override
    public String exitRule() {
        return exitRule.get();
    }

    @Override
    public Snapshot snapshot() {
        Map<ErrorCode, Long> e = new EnumMap<>(ErrorCode.class);
        errors.forEach((c, n) -> {
            long v = n.sum();
            if (v != 0) {
                e.put(c, v);
            }
        });
        return new Snapshot(samples.sum(), edgeExits.sum(), offloads.sum(), cloudResults.sum(), Collections.unmodifiableMap(e),
                resultsPublished.sum(), publishFailures.sum(), queued.getAsInt(), pendingOffloads.getAsInt(),
                swapRetries.sum(), fallbacks.sum(), lateReplies.sum(), duplicates.sum());
    }

    @Override
    public void reset() {
        samples.reset();
        edgeExits.reset();
        offloads.reset();
        cloudResults.reset();
        resultsPublished.reset();
        publishFailures.reset();
        swapRetries.reset();
        fallbacks.reset();
        lateReplies.reset();
        duplicates.reset();
        edgeRuns.reset();
        edgeRunSamples.reset();
        errors.values().forEach(LongAdder::reset);
        stages.reset();
    }

    @Override
    public Map<Stage, Long> stageCpuNanos() {
        return stages.snapshot();
    }

    @Override
    public Batches edgeBatches() {
        return new Batches(edgeRuns.sum(), edgeRunSamples.sum());
    }

    @Override
    public JournalUsage journal() {
        return journal.get();
    }
}
