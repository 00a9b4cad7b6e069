package io.hybridfog.edge.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sample ids a gateway has taken in recently, per device, so that a redelivered sample (MQTT QoS 1 delivers at
 * least once: a lost PUBACK, a reconnect) is neither classified nor answered twice. Bounded by count and by age: a
 * key is remembered for {@code windowMs} and at most {@code capacity} keys are kept (the oldest go first).
 * Devices must therefore not reuse a sample id within the window. Thread-safe.
 */
final class RecentSamples {
    private final int capacity;
    private final long windowNanos;
    private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>(); // key -> first seen, insertion order

    /**
     * @param capacity most keys remembered, &gt;= 1
     * @param windowMs how long a key is remembered, ms, &gt;= 1
     */
    RecentSamples(int capacity, long windowMs) {
        this.capacity = capacity;
        this.windowNanos = windowMs * 1_000_000;
    }

    /** True the first time this device's sample id is offered within the window; false for a repeat. */
    synchronized boolean firstTime(String deviceId, String sampleId, long nowNanos) {
        expire(nowNanos);
        String key = deviceId + '\u0000' + sampleId;
        if (seen.containsKey(key)) {
            return false;
        }
        seen.put(key, nowNanos);
        if (seen.size() > capacity) {
            Iterator<Map.Entry<String, Long>> eldest = seen.entrySet().iterator();
            eldest.next();
            eldest.remove();
        }
        return true;
    }

    synchronized int size() {
        return seen.size();
    }

    private void expire(long nowNanos) {
        Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator();
        while (it.hasNext() && nowNanos - it.next().getValue() > windowNanos) {
            it.remove();
        }
    }
}
