package io.hybridfog.mqtt.internal;

import io.hybridfog.api.transport.AcknowledgingHandler;
import io.hybridfog.api.transport.Subscription;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The bus's subscriptions: QoS 1, each filter with its own subscription identifier ({@link SubscriptionTable}),
 * several handlers may share a filter. All are sent again after every (re)connect ({@link #restore}), since a broker
 * without persistence forgets them on restart. Thread-safe.
 */
final class SubscriptionManager {
    private static final System.Logger LOG = System.getLogger(SubscriptionManager.class.getName());

    private final BrokerConnection connection;
    private final MqttAsyncClient client;
    private final SubscriptionTable table;
    private final MessageDispatcher dispatcher;
    private final String brokerUrl;
    private final int connectTimeoutS;
    private final Object subscribeLock = new Object();

    SubscriptionManager(BrokerConnection connection, SubscriptionTable table, MessageDispatcher dispatcher,
                        String brokerUrl, int connectTimeoutS) {
        this.connection = connection;
        this.client = connection.client();
        this.table = table;
        this.dispatcher = dispatcher;
        this.brokerUrl = brokerUrl;
        this.connectTimeoutS = connectTimeoutS;
    }

    /**
     * Subscribes and waits for the SUBACK; see {@link PahoMessageBus#subscribeAcknowledging} for the errors thrown.
     */
    Subscription subscribe(String topicFilter, AcknowledgingHandler handler) throws IOException {
        TopicFilters.validateFilter(topicFilter);
        if (handler == null) {
            throw new IllegalArgumentException("handler must not be null");
        }
        if (connection.onCallbackThread()) {
            throw new IllegalStateException("subscribe(" + topicFilter + ") called from a message handler: "
                    + "it would wait for a SUBACK that this thread delivers; subscribe from another thread");
        }
        long waitMs = TimeUnit.SECONDS.toMillis(connectTimeoutS);
        synchronized (subscribeLock) {
            SubscriptionTable.Entry existing = table.get(topicFilter);
            if (existing != null) {
                if (!existing.held().get()) {
                    existing.handlers().add(handler);
                    return new BusSubscription(existing, handler);
                }
                table.remove(existing); // subscribing again after a detach: a fresh entry
            }
            try {
                if (!connection.awaitConnected(waitMs)) {
                    throw new IOException(connection.isClosed() ? "message bus is closed"
                            : "not connected to " + brokerUrl + " within " + connectTimeoutS
                            + " s; cannot subscribe to " + topicFilter);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for a connection to subscribe to " + topicFilter, e);
            }
            // Registered before SUBSCRIBE so nothing that arrives right after the SUBACK is missed.
            SubscriptionTable.Entry entry = table.create(topicFilter, handler);
            try {
                IMqttToken token = client.subscribe(new MqttSubscription[] {new MqttSubscription(topicFilter, MessageMapping.QOS)},
                        null, null, subscribeProperties(entry));
                token.waitForCompletion(waitMs);
                checkSubAck(topicFilter, token.getReasonCodes());
            } catch (MqttException | IOException | RuntimeException e) {
                table.remove(entry);
                if (e instanceof IOException io) {
                    throw io;
                }
                throw new IOException("subscribe to " + topicFilter + " failed: " + e.getMessage(), e);
            }
            LOG.log(Level.DEBUG, "{0} subscribed to {1} (subscription id {2})", connection.clientId(), topicFilter,
                    entry.subscriptionId());
            dispatcher.deliverEarly(entry);
            return new BusSubscription(entry, handler);
        }
    }

    /** Sends every subscription again (asynchronously); called on each (re)connect. */
    void restore() {
        for (SubscriptionTable.Entry e : table.all()) {
            if (e.held().get()) {
                continue;
            }
            MqttSubscription sub = new MqttSubscription(e.filter(), MessageMapping.QOS);
            sub.setRetainHandling(1); // retained messages only if the broker lost the subscription
            try {
                client.subscribe(new MqttSubscription[] {sub}, null, new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        try {
                            checkSubAck(e.filter(), token.getReasonCodes());
                        } catch (IOException refused) {
                            LOG.log(Level.ERROR, "restoring subscription failed: " + refused.getMessage());
                        }
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable ex) {
                        LOG.log(Level.ERROR, "restoring subscription to " + e.filter() + " failed: " + ex);
                    }
                }, subscribeProperties(e));
            } catch (MqttException | RuntimeException ex) {
                LOG.log(Level.ERROR, "restoring subscription to " + e.filter() + " failed: " + ex);
            }
        }
    }

    private static void checkSubAck(String filter, int[] codes) throws IOException {
        if (codes == null) {
            return;
        }
        for (int c : codes) {
            if (c >= 0x80) {
                throw new IOException("broker refused subscription to " + filter + ": reason code 0x" + Integer.toHexString(c));
            }
        }
    }

    private static MqttProperties subscribeProperties(SubscriptionTable.Entry e) {
        MqttProperties props = new MqttProperties();
        props.setSubscriptionIdentifier(e.subscriptionId());
        return props;
    }

    /** One handler on one filter; closing the last handler of a filter unsubscribes it. */
    private final class BusSubscription implements Subscription {
        private final SubscriptionTable.Entry entry;
        private final AcknowledgingHandler handler;
        private final AtomicBoolean open = new AtomicBoolean(true);

        BusSubscription(SubscriptionTable.Entry entry, AcknowledgingHandler handler) {
            this.entry = entry;
            this.handler = handler;
        }

        @Override
        public String topicFilter() {
            return entry.filter();
        }

        @Override
        public void detach() {
            if (!open.compareAndSet(true, false)) {
                return;
            }
            synchronized (subscribeLock) {
                entry.handlers().remove(handler);
                if (entry.handlers().isEmpty()) {
                    entry.held().set(true); // the broker's subscription stays; so does the table entry
                }
            }
        }

        @Override
        public void close() {
            if (!open.compareAndSet(true, false)) {
                return;
            }
            synchronized (subscribeLock) {
                entry.handlers().remove(handler);
                if (!entry.handlers().isEmpty()) {
                    return;
                }
                table.remove(entry);
            }
            if (!connection.isConnected()) {
                return; // the broker's copy ends with the session; restore() no longer knows the filter
            }
            try {
                client.unsubscribe(entry.filter()); // asynchronous: close() must not wait on the broker
            } catch (MqttException | RuntimeException e) {
                LOG.log(Level.DEBUG, "unsubscribe from " + entry.filter() + " failed: " + e);
            }
        }
    }
}
