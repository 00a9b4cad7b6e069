package io.hybridfog.mqtt.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * Messages that arrived for no subscription of this client: on resuming a session the broker sends what it queued
 * before the application has subscribed again (a restarted gateway's samples). They are held, unacknowledged, until
 * a matching subscription appears; those still unclaimed after {@code holdMs} are given up without acknowledgement
 * (the broker sends them again on the next session). Bounded by count: beyond {@code capacity} the oldest is given
 * up. Thread-safe.
 */
public final class EarlyMessages {
    /** One held message. */
    public record Held(String topic, MqttMessage message, long arrivedNanos) {
    }

    private final int capacity;
    private final long holdNanos;
    private final LinkedList<Held> held = new LinkedList<>();

    public EarlyMessages(int capacity, long holdMs) {
        this.capacity = capacity;
        this.holdNanos = holdMs * 1_000_000;
    }

    /** Holds a message; returns one given up to make room, or null. */
    public synchronized Held add(String topic, MqttMessage message, long nowNanos) {
        held.addLast(new Held(topic, message, nowNanos));
        return held.size() > capacity ? held.removeFirst() : null;
    }

    /** Removes and returns the held messages whose topic matches {@code filter}, oldest first. */
    public synchronized List<Held> claim(String filter) {
        List<Held> out = new ArrayList<>();
        for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
            Held h = it.next();
            if (TopicFilters.matches(filter, h.topic())) {
                out.add(h);
                it.remove();
            }
        }
        return out;
    }

    /** Removes and returns the messages held longer than the hold time. */
    public synchronized List<Held> expire(long nowNanos) {
        List<Held> out = new ArrayList<>();
        while (!held.isEmpty() && nowNanos - held.getFirst().arrivedNanos() > holdNanos) {
            out.add(held.removeFirst());
        }
        return out;
    }

    public synchronized int size() {
        return held.size();
    }
}
