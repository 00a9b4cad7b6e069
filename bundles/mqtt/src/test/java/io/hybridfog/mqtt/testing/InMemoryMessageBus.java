package io.hybridfog.mqtt.testing;

import io.hybridfog.api.transport.AcknowledgingHandler;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.api.transport.Subscription;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A {@link MessageBus} in memory, for unit tests without a broker: MQTT topic matching ({@code +}, {@code #},
 * {@code $share/<group>/} with round-robin inside a group), one delivery thread like Paho's, PUBACK at once.
 * Every published message is recorded. {@link #failPublishesTo} makes publishes fail like a broker refusal.
 * Deliveries not acknowledged yet are counted ({@link #unacknowledged()}); nothing is ever redelivered.
 */
public final class InMemoryMessageBus implements MessageBus, AutoCloseable {
    private record Sub(String filter, AcknowledgingHandler handler) {
    }

    private final AtomicInteger unacknowledged = new AtomicInteger();

    private final List<Sub> subscriptions = new CopyOnWriteArrayList<>();
    private final List<BusMessage> published = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> roundRobin = new ConcurrentHashMap<>();
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "in-memory-bus-delivery");
        t.setDaemon(true);
        return t;
    });
    private volatile Predicate<String> failing = topic -> false;
    private volatile java.util.function.Function<String, IOException> failure =
            topic -> new IOException("in-memory broker refused publish to " + topic);

    @Override
    public String clientId() {
        return "in-memory";
    }

    @Override
    public boolean isConnected() {
        return !delivery.isShutdown();
    }

    /** Publishes to topics matching {@code topicPredicate} fail with an IOException from now on. */
    public void failPublishesTo(Predicate<String> topicPredicate) {
        failing = topicPredicate;
    }

    /** As {@link #failPublishesTo(Predicate)}, failing with the exception {@code failure} makes for the topic. */
    public void failPublishesTo(Predicate<String> topicPredicate, java.util.function.Function<String, IOException> failure) {
        this.failure = failure;
        failing = topicPredicate;
    }

    /** Every message published so far, in order. */
    public List<BusMessage> published() {
        return List.copyOf(published);
    }

    /** Waits until everything published so far has been delivered. */
    public void awaitDelivered(long timeoutMs) throws Exception {
        delivery.submit(() -> { }).get(timeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableFuture<Void> publish(BusMessage message) {
        if (failing.test(message.topic())) {
            return CompletableFuture.failedFuture(failure.apply(message.topic()));
        }
        published.add(message);
        delivery.execute(() -> deliver(message));
        return CompletableFuture.completedFuture(null);
    }

    /** Deliveries whose handler has not acknowledged them (yet). */
    public int unacknowledged() {
        return unacknowledged.get();
    }


    @Override
    public Subscription subscribeAcknowledging(String topicFilter, AcknowledgingHandler handler) throws IOException {
        Sub s = new Sub(topicFilter, handler);
        subscriptions.add(s);
        return new Subscription() {
            @Override
            public String topicFilter() {
                return topicFilter;
            }

            @Override
            public void detach() {
                subscriptions.remove(s);
            }

            @Override
            public void close() {
                subscriptions.remove(s);
            }
        };
    }

    @Override
    public void close() {
        delivery.shutdownNow();
    }

    private void deliver(BusMessage m) {
        Map<String, List<Sub>> groups = new ConcurrentHashMap<>();
        for (Sub s : subscriptions) {
            if (!matches(s.filter(), m.topic())) {
                continue;
            }
            if (s.filter().startsWith("$share/")) {
                String group = s.filter().substring(0, s.filter().indexOf('/', 7));
                groups.computeIfAbsent(group, g -> new ArrayList<>()).add(s);
            } else {
                call(s, m);
            }
        }
        groups.forEach((group, members) -> call(members.get(Math.floorMod(
                roundRobin.computeIfAbsent(group, g -> new AtomicInteger()).getAndIncrement(), members.size())), m));
    }

    private void call(Sub s, BusMessage m) {
        unacknowledged.incrementAndGet();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable ack = () -> {
            if (done.compareAndSet(false, true)) {
                unacknowledged.decrementAndGet();
            }
        };
        try {
            s.handler().onMessage(m, ack::run);
        } catch (RuntimeException e) {
            System.getLogger(InMemoryMessageBus.class.getName()).log(System.Logger.Level.ERROR, "handler failed", e);
            ack.run();
        }
    }

    /** MQTT topic filter matching; a {@code $share/<group>/} prefix is ignored. */
    public static boolean matches(String filter, String topic) {
        if (filter.startsWith("$share/")) {
            filter = filter.substring(filter.indexOf('/', 7) + 1);
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length || (!f[i].equals("+") && !f[i].equals(t[i]))) {
                return false;
            }
        }
        return f.length == t.length;
    }
}
