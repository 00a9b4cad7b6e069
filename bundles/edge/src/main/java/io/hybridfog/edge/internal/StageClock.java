package io.hybridfog.edge.internal;

import io.hybridfog.edge.GatewayMetrics;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * CPU time the gateway spends in each stage of its message path, summed over its threads (the calling thread's CPU
 * time from {@link ThreadMXBean#getCurrentThreadCpuTime()}, about a microsecond per reading: a handful per sample).
 * Falls back to wall-clock time where the JVM does not measure thread CPU time. Thread-safe.
 */
final class StageClock {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU = THREADS.isCurrentThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
    private final Map<GatewayMetrics.Stage, LongAdder> nanos = new EnumMap<>(GatewayMetrics.Stage.class);

    StageClock() {
        for (GatewayMetrics.Stage s : GatewayMetrics.Stage.values()) {
            nanos.put(s, new LongAdder());
        }
    }

    /** A reading of the calling thread's clock, nanoseconds. */
    static long now() {
        return CPU ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** Adds the calling thread's time since {@code since} (a {@link #now()} reading) to {@code stage}; returns now. */
    long add(GatewayMetrics.Stage stage, long since) {
        long t = now();
        nanos.get(stage).add(t - since);
        return t;
    }

    Map<GatewayMetrics.Stage, Long> snapshot() {
        Map<GatewayMetrics.Stage, Long> m = new EnumMap<>(GatewayMetrics.Stage.class);
        nanos.forEach((s, n) -> m.put(s, n.sum()));
        return m;
    }

    void reset() {
        nanos.values().forEach(LongAdder::reset);
    }
}
