package io.hybridfog.mqtt.internal;

import io.hybridfog.api.transport.BusMessage;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Flow control for QoS 1 publishes: a bounded FIFO in front of an in-flight window.
 *
 * <p>Paho refuses a publish once the broker's Receive Maximum is reached ("Too many publishes in progress",
 * 32202), and in 1.2.5 such a refused publish also leaves a topic alias registered that the broker never saw
 * (the next publish to that topic then breaks the connection). So the window is kept at or below the broker's
 * Receive Maximum and a refused publish goes back to the head of the queue and is retried shortly.
 *
 * <p>Futures complete on PUBACK, on {@code completions} (never on Paho's callback thread, so dependent stages
 * cannot stall message delivery). Messages that wait for a connection longer than {@code connectWaitMs}
 * fail with an {@link IOException}. Thread-safe.
 */
public final class PublishPipeline {

    /** Hands one message to the MQTT client; must not block and must call back {@link #acked} or {@link #failed}. */
    public interface Sender {
        void send(Pending p) throws SendRefused, IOException;
    }

    /** Why the client did not take a message right now; the message is retried later. */
    public static final class SendRefused extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean windowFull;

        public SendRefused(boolean windowFull, String message) {
            super(message, null, false, false);
            this.windowFull = windowFull;
        }
    }

    /** A message on its way; {@code deadlineNanos} bounds how long it may wait for a connection. */
    public static final class Pending {
        final BusMessage message;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        final long deadlineNanos;
        long firstRefusalNanos; // guarded by the pipeline's lock; 0 = never refused

        Pending(BusMessage message, long deadlineNanos) {
            this.message = message;
            this.deadlineNanos = deadlineNanos;
        }

        public BusMessage message() {
            return message;
        }
    }

    static final long RETRY_DELAY_MS = 2;
    static final long MAX_RETRY_DELAY_MS = 128;
    static final long SWEEP_PERIOD_MS = 200;

    private final Object lock = new Object();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Set<Pending> inFlight = new HashSet<>();
    private final Sender sender;
    private final int capacity;
    private final int maxInflight;
    private final long connectWaitNanos;
    private final String brokerUrl;
    private final Executor completions;
    private final ScheduledExecutorService timer;

    // guarded by lock
    private int window;
    private boolean connected;
    private boolean closed;
    private boolean draining;
    private boolean backingOff;
    private int consecutiveRefusals;

    public PublishPipeline(Sender sender, int capacity, int maxInflight, long connectWaitMs, String brokerUrl,
                    Executor completions, ScheduledExecutorService timer) {
        this.sender = sender;
        this.capacity = capacity;
        this.maxInflight = maxInflight;
        this.window = maxInflight;
        this.connectWaitNanos = TimeUnit.MILLISECONDS.toNanos(connectWaitMs);
        this.brokerUrl = brokerUrl;
        this.completions = completions;
        this.timer = timer;
        timer.scheduleWithFixedDelay(this::expireWaiting, SWEEP_PERIOD_MS, SWEEP_PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /** Queues a message; the future fails at once if the queue is full or the pipeline closed. */
    public CompletableFuture<Void> submit(BusMessage message) {
        Pending p = new Pending(message, System.nanoTime() + connectWaitNanos);
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IOException("message bus is closed"));
            }
            if (queue.size() >= capacity) {
                return CompletableFuture.failedFuture(new IOException("publish queue full (" + capacity
                        + " messages waiting for " + brokerUrl + "); message to " + message.topic() + " not sent"));
            }
            queue.addLast(p);
        }
        drain();
        return p.future;
    }

    /**
     * The client is connected.
     *
     * @param serverReceiveMaximum the broker's Receive Maximum from CONNACK, or null to keep the last known one
     */
    public void connected(Integer serverReceiveMaximum) {
        synchronized (lock) {
            connected = true;
            if (serverReceiveMaximum != null && serverReceiveMaximum > 0) {
                window = Math.min(maxInflight, serverReceiveMaximum);
            }
        }
        drain();
    }

    public void disconnected() {
        synchronized (lock) {
            connected = false;
        }
    }

    /** Current in-flight window (min of max.inflight and the broker's Receive Maximum). */
    public int window() {
        synchronized (lock) {
            return window;
        }
    }

    /** Messages handed to the client and not yet acknowledged. */
    public int inFlight() {
        synchronized (lock) {
            return inFlight.size();
        }
    }

    /** Messages waiting to be handed to the client. */
    public int queued() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /** PUBACK arrived (reason code &lt; 0x80). */
    public void acked(Pending p) {
        synchronized (lock) {
            if (!inFlight.remove(p)) {
                return;
            }
            backingOff = false;
            consecutiveRefusals = 0;
        }
        async(() -> p.future.complete(null));
        drain();
    }

    /** The broker or the client failed this message for good. */
    public void failed(Pending p, Throwable cause) {
        synchronized (lock) {
            if (!inFlight.remove(p)) {
                return;
            }
        }
        async(() -> p.future.completeExceptionally(cause));
        drain();
    }

    /** A message in flight was lost with the connection: it goes back to the head of the queue. */
    public void requeue(Pending p) {
        synchronized (lock) {
            if (!inFlight.remove(p) || closed) {
                return;
            }
            queue.addFirst(p);
        }
        drain();
    }

    /** Fails every queued and in-flight message; later submits fail at once. */
    public void close() {
        List<Pending> dropped = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            dropped.addAll(queue);
            dropped.addAll(inFlight);
            queue.clear();
            inFlight.clear();
        }
        IOException e = new IOException("message bus is closed");
        dropped.forEach(p -> p.future.completeExceptionally(e));
    }

    private void drain() {
        synchronized (lock) {
            if (draining) {
                return; // the thread draining now re-checks the queue before it stops
            }
            draining = true;
        }
        for (;;) {
            Pending p;
            synchronized (lock) {
                p = connected && !closed && !backingOff && inFlight.size() < window ? queue.pollFirst() : null;
                if (p == null) {
                    draining = false;
                    return;
                }
                inFlight.add(p);
            }
            sendOne(p);
        }
    }

    private void sendOne(Pending p) {
        try {
            sender.send(p);
        } catch (SendRefused r) {
            long delayMs = 0;
            boolean gaveUp = false;
            synchronized (lock) {
                if (!inFlight.remove(p)) {
                    return; // closed meanwhile
                }
                if (r.windowFull) {
                    long now = System.nanoTime();
                    if (p.firstRefusalNanos == 0) {
                        p.firstRefusalNanos = now;
                    }
                    // Bounded: a window that stays full (broker not acknowledging) fails the message eventually.
                    gaveUp = now - p.firstRefusalNanos > connectWaitNanos;
                    if (!gaveUp) {
                        queue.addFirst(p);
                        backingOff = true;
                        delayMs = Math.min(MAX_RETRY_DELAY_MS, RETRY_DELAY_MS << Math.min(consecutiveRefusals++, 6));
                    }
                } else {
                    queue.addFirst(p);
                    connected = false; // connectComplete will resume
                }
            }
            if (gaveUp) {
                IOException e = new IOException("publish to " + p.message.topic() + " refused by the client for "
                        + TimeUnit.NANOSECONDS.toMillis(connectWaitNanos) + " ms: " + r.getMessage());
                async(() -> p.future.completeExceptionally(e));
            } else if (delayMs > 0) {
                try {
                    timer.schedule(this::endBackoff, delayMs, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closing) {
                    // the bus is closing; close() fails the queued message
                }
            }
        } catch (IOException | RuntimeException e) {
            failed(p, e instanceof IOException ? e : new IOException("publish to " + p.message.topic() + " failed: " + e, e));
        }
    }

    private void endBackoff() {
        synchronized (lock) {
            backingOff = false;
        }
        drain();
    }

    private void expireWaiting() {
        List<Pending> expired = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (lock) {
            if (connected || queue.isEmpty()) {
                return;
            }
            queue.removeIf(p -> {
                if (now - p.deadlineNanos >= 0) {
                    expired.add(p);
                    return true;
                }
                return false;
            });
        }
        long waitS = TimeUnit.NANOSECONDS.toSeconds(connectWaitNanos);
        for (Pending p : expired) {
            async(() -> p.future.completeExceptionally(new IOException("not connected to " + brokerUrl
                    + " within " + waitS + " s; message to " + p.message.topic() + " not sent")));
        }
    }

    private void async(Runnable completion) {
        try {
            completions.execute(completion);
        } catch (RejectedExecutionException shutDown) {
            completion.run(); // bus closing: complete on this thread rather than never
        }
    }
}
