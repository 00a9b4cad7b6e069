package io.hybridfog.edge.internal;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.transport.BusMessage;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Offload requests waiting for the cloud's reply, keyed by the request key sent as correlation data. Exactly one of
 * reply, failure and timeout completes each request (whoever removes it from the map first). Thread-safe.
 */
final class OffloadTracker {

    /** One request: its key (UTF-8 on the wire) and the future of the reply. */
    record Pending(String key, CompletableFuture<BusMessage> reply, ScheduledFuture<?>[] timeout) {
        byte[] keyBytes() {
            return key.getBytes(StandardCharsets.UTF_8);
        }
    }

    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final long timeoutMs;
    private final int capacity;
    // A random prefix per gateway run: a late reply meant for a previous run can never match a new request.
    private final String prefix;
    private final AtomicLong sequence = new AtomicLong();

    /**
     * @param timeoutMs how long a request waits for its reply, ms
     * @param capacity  most requests pending at once
     */
    OffloadTracker(ScheduledExecutorService timer, long timeoutMs, int capacity) {
        this.timer = timer;
        this.timeoutMs = timeoutMs;
        this.capacity = capacity;
        byte[] r = new byte[6];
        new SecureRandom().nextBytes(r);
        this.prefix = HexFormat.of().formatHex(r) + "-";
    }

    /**
     * Registers a new request with its timeout running.
     *
     * @throws HybridFogException OVERLOADED if {@code capacity} requests are pending
     */
    Pending register() throws HybridFogException {
        if (pending.size() >= capacity) {
            throw new HybridFogException(ErrorCode.OVERLOADED, capacity + " offloads already wait for the cloud; retry later");
        }
        String key = prefix + sequence.incrementAndGet();
        Pending p = new Pending(key, new CompletableFuture<>(), new ScheduledFuture<?>[1]);
        pending.put(key, p);
        try {
            p.timeout()[0] = timer.schedule(() -> fail(key, new HybridFogException(ErrorCode.OFFLOAD_FAILED,
                    "no reply from the cloud within " + timeoutMs + " ms")), timeoutMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            fail(key, new HybridFogException(ErrorCode.OFFLOAD_FAILED, "gateway is stopping"));
        }
        return p;
    }

    /** Completes the request with this key; false if unknown (late, duplicate or foreign reply). */
    boolean complete(String key, BusMessage reply) {
        Pending p = key == null ? null : pending.remove(key);
        if (p == null) {
            return false;
        }
        cancelTimeout(p);
        p.reply().complete(reply);
        return true;
    }

    /** Fails the request with this key, if it is still pending. */
    void fail(String key, Throwable cause) {
        Pending p = pending.remove(key);
        if (p != null) {
            cancelTimeout(p);
            p.reply().completeExceptionally(cause);
        }
    }

    /** Fails every pending request (gateway stopping). */
    void failAll(String reason) {
        List<String> keys = new ArrayList<>(pending.keySet());
        keys.forEach(k -> fail(k, new HybridFogException(ErrorCode.OFFLOAD_FAILED, reason)));
    }

    int size() {
        return pending.size();
    }

    private static void cancelTimeout(Pending p) {
        ScheduledFuture<?> t = p.timeout()[0];
        if (t != null) {
            t.cancel(false);
        }
    }
}
