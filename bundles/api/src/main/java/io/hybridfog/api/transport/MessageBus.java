package io.hybridfog.api.transport;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Publish/subscribe with MQTT 5 semantics (QoS 1: at least once). Implemented over Eclipse Paho;
 * subscriptions are restored after a reconnect. Thread-safe.
 */
@ProviderType
public interface MessageBus {

    /** Client identifier this bus connects with. */
    String clientId();

    boolean isConnected();

    /**
     * Publishes with QoS 1.
     *
     * @return completes when the broker acknowledged the message (PUBACK); completes exceptionally
     *         if the message cannot be sent (e.g. larger than the broker's maximum packet size)
     */
    CompletableFuture<Void> publish(BusMessage message);

    /**
     * Subscribes with QoS 1. A filter of the form {@code $share/<group>/<filter>} is an MQTT 5
     * shared subscription: each message goes to one member of the group.
     *
     * Each message is acknowledged when the handler returns (or throws): the subscription of
     * {@link #subscribeAcknowledging} with an acknowledgement on return.
     *
     * @throws IOException if the subscription cannot be registered with the broker
     * @throws NullPointerException if {@code handler} is null
     */
    default Subscription subscribe(String topicFilter, MessageHandler handler) throws IOException {
        java.util.Objects.requireNonNull(handler, "handler");
        return subscribeAcknowledging(topicFilter, (message, ack) -> {
            try {
                handler.onMessage(message);
            } finally {
                ack.acknowledge();
            }
        });
    }

    /**
     * Subscribes with QoS 1; each message is acknowledged to the broker only when the handler calls its
     * {@link Acknowledgement}. Messages the handler never acknowledges are redelivered when the session resumes
     * (the same client id with clean start false, within the session expiry). Filters as in {@link #subscribe}.
     *
     * @throws IOException if the subscription cannot be registered with the broker
     */
    Subscription subscribeAcknowledging(String topicFilter, AcknowledgingHandler handler) throws IOException;
}
