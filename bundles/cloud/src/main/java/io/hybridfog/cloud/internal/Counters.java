package io.hybridfog.cloud.internal;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.cloud.CloudWorkerMetrics;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** The cloud worker's counters; {@code queued} is read live. */
final class Counters implements CloudWorkerMetrics {
    private final IntSupplier queued;
    final LongAdder requests = new LongAdder();
    final LongAdder answered = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder publishFailures = new LongAdder();
    final LongAdder runs = new LongAdder();
    final LongAdder runRequests = new LongAdder();
    private final Map<ErrorCode, LongAdder> errors = new EnumMap<>(ErrorCode.class);

    Counters(IntSupplier queued) {
        this.queued = queued;
        for (ErrorCode c : ErrorCode.values()) {
            errors.put(c, new LongAdder());
        }
    }

    void error(ErrorCode code) {
        errors.get(code).increment();
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
        return new Snapshot(requests.sum(), answered.sum(), Collections.unmodifiableMap(e), dropped.sum(),
                publishFailures.sum(), queued.getAsInt());
    }

    @Override
    public Batches batches() {
        return new Batches(runs.sum(), runRequests.sum());
    }

    @Override
    public void reset() {
        requests.reset();
        answered.reset();
        dropped.reset();
        publishFailures.reset();
        runs.reset();
        runRequests.reset();
        errors.values().forEach(LongAdder::reset);
    }
}
