package io.hybridfog.mqtt.internal;

import io.hybridfog.api.transport.Acknowledgement;
import io.hybridfog.api.transport.AcknowledgingHandler;
import io.hybridfog.api.transport.BusMessage;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * Hands received messages to the handlers of the subscriptions they match and acknowledges each (PUBACK) once every
 * handler it reached has acknowledged it. A message that matches no subscription yet (a resumed session's queue,
 * delivered before the application subscribed again) is held in {@link EarlyMessages}, unacknowledged, until a
 * subscription claims it. Runs on Paho's callback thread; handlers may acknowledge from any thread.
 */
final class MessageDispatcher {
    /** Messages held for a subscription not made yet: how many, how long. */
    static final int EARLY_CAPACITY = 10_000;
    static final long EARLY_HOLD_MS = 30_000;
    private static final System.Logger LOG = System.getLogger(MessageDispatcher.class.getName());

    private final MqttAsyncClient client;
    private final String clientId;
    private final SubscriptionTable subscriptions;
    private final EarlyMessages early = new EarlyMessages(EARLY_CAPACITY, EARLY_HOLD_MS);

    MessageDispatcher(MqttAsyncClient client, String clientId, SubscriptionTable subscriptions) {
        this.client = client;
        this.clientId = clientId;
        this.subscriptions = subscriptions;
    }

    /** Routes a received message by its subscription identifiers (or topic) and delivers it, or holds it. */
    void dispatch(String topic, MqttMessage message) {
        MqttProperties p = message.getProperties();
        List<SubscriptionTable.Entry> entries = subscriptions.route(topic, p == null ? null : p.getSubscriptionIdentifiers());
        if (entries.isEmpty()) {
            EarlyMessages.Held dropped = early.add(topic, message, System.nanoTime());
            if (dropped != null) {
                LOG.log(Level.WARNING, "{0}: more than {1} messages for no subscription; one on {2} left to the next session",
                        clientId, EARLY_CAPACITY, dropped.topic());
            }
            return;
        }
        deliver(entries, topic, message);
    }

    /** Delivers the held messages a new subscription matches (they arrived with the session, before it). */
    void deliverEarly(SubscriptionTable.Entry entry) {
        for (EarlyMessages.Held h : early.claim(entry.filter())) {
            deliver(List.of(entry), h.topic(), h.message());
        }
    }

    /** Gives up held messages older than {@link #EARLY_HOLD_MS}, unacknowledged (the next session brings them again). */
    void giveUpEarlyMessages() {
        List<EarlyMessages.Held> expired = early.expire(System.nanoTime());
        if (!expired.isEmpty()) {
            LOG.log(Level.WARNING, "{0}: {1} messages (first on {2}) matched no subscription for {3} s; left "
                    + "unacknowledged for the next session", clientId, expired.size(), expired.get(0).topic(), EARLY_HOLD_MS / 1000);
        }
    }

    /** Hands a message to the handlers of its entries; acknowledged when all have acknowledged it. */
    private void deliver(List<SubscriptionTable.Entry> entries, String topic, MqttMessage message) {
        int handlers = 0;
        for (SubscriptionTable.Entry e : entries) {
            handlers += e.handlers().size();
        }
        if (handlers == 0) {
            return; // detached (held for the session's return): the broker redelivers it then
        }
        BusMessage bm = MessageMapping.fromPaho(topic, message);
        AtomicInteger outstanding = new AtomicInteger(handlers);
        for (SubscriptionTable.Entry e : entries) {
            for (AcknowledgingHandler h : e.handlers()) {
                Acknowledgement ack = new HandlerAck(message.getId(), message.getQos(), outstanding);
                try {
                    h.onMessage(bm, ack);
                } catch (RuntimeException | LinkageError ex) {
                    LOG.log(Level.ERROR, "handler for " + e.filter() + " failed on a message from " + topic, ex);
                    ack.acknowledge();
                }
            }
        }
    }

    private void acknowledge(int messageId, int qos) {
        if (qos == 0) {
            return;
        }
        try {
            client.messageArrivedComplete(messageId, qos);
        } catch (MqttException | RuntimeException e) {
            // not connected: the broker sends the message again on the next connection and it is acknowledged then
            LOG.log(Level.DEBUG, "{0}: acknowledgement of message {1} not sent: {2}", clientId, messageId, e);
        }
    }

    /** One handler's share of a message's acknowledgement; the PUBACK goes out when the last share is given. */
    private final class HandlerAck implements Acknowledgement {
        private final int messageId;
        private final int qos;
        private final AtomicInteger outstanding;
        private final AtomicBoolean done = new AtomicBoolean();

        HandlerAck(int messageId, int qos, AtomicInteger outstanding) {
            this.messageId = messageId;
            this.qos = qos;
            this.outstanding = outstanding;
        }

        @Override
        public void acknowledge() {
            if (done.compareAndSet(false, true) && outstanding.decrementAndGet() == 0) {
                MessageDispatcher.this.acknowledge(messageId, qos);
            }
        }
    }
}
