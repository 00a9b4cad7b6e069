package io.hybridfog.mqtt.internal;

import io.hybridfog.api.transport.AcknowledgingHandler;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bus's topic filters and their handlers. Each filter has one MQTT 5 subscription identifier, so the broker
 * tells which subscription(s) a message matched: overlapping filters then deliver a message once per matching
 * subscription, as the broker intends, and shared filters ({@code $share/...}) route without string games.
 * Topic matching is the fallback for brokers without subscription identifiers. Thread-safe.
 */
public final class SubscriptionTable {
    /**
     * One subscribed filter: its identifier and the handlers registered for it. An entry whose last handler
     * detached stays {@code held}: the broker keeps the subscription, and what it still delivers is left
     * unacknowledged for the session's return.
     */
    public record Entry(String filter, int subscriptionId, List<AcknowledgingHandler> handlers, AtomicBoolean held) {
    }

    private static final int MAX_SUBSCRIPTION_ID = 268_435_455;

    private final Map<String, Entry> byFilter = new ConcurrentHashMap<>();
    private final Map<Integer, Entry> byId = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();

    /** The entry of a filter, or null. */
    public Entry get(String filter) {
        return byFilter.get(filter);
    }

    /** Creates the entry of a filter not subscribed yet, with a fresh subscription identifier and one handler. */
    public Entry create(String filter, AcknowledgingHandler handler) {
        int id = nextId.updateAndGet(i -> i >= MAX_SUBSCRIPTION_ID ? 1 : i + 1);
        Entry e = new Entry(filter, id, new CopyOnWriteArrayList<>(List.of(handler)), new AtomicBoolean());
        byFilter.put(filter, e);
        byId.put(id, e);
        return e;
    }

    public void remove(Entry e) {
        byFilter.remove(e.filter(), e);
        byId.remove(e.subscriptionId(), e);
    }

    public Collection<Entry> all() {
        return List.copyOf(byFilter.values());
    }

    /** Entries a received message belongs to: by subscription identifiers if the broker sent any, else by topic. */
    public List<Entry> route(String topic, List<Integer> subscriptionIds) {
        List<Entry> out = new ArrayList<>(1);
        if (subscriptionIds != null && !subscriptionIds.isEmpty()) {
            for (Integer id : subscriptionIds) {
                Entry e = byId.get(id);
                if (e != null) {
                    out.add(e);
                }
            }
            return out;
        }
        for (Entry e : byFilter.values()) {
            if (TopicFilters.matches(e.filter(), topic)) {
                out.add(e);
            }
        }
        return out;
    }
}
