package io.hybridfog.api.transport;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Acknowledges one received QoS 1 message to the broker (MQTT PUBACK), handed to an {@link AcknowledgingHandler}.
 * Until it is called the broker keeps the message in the subscriber's session and sends it again after a reconnect
 * or a restart of the subscriber (MQTT 5 section 4.4; clean start false, session expiry not yet reached).
 *
 * <p>Idempotent; may be called from any thread. If the connection the message came on has gone, the call still
 * sends the PUBACK on the current connection, where a broker that redelivered the message with the same packet
 * identifier accepts it.
 */
@ProviderType
@FunctionalInterface
public interface Acknowledgement {
    void acknowledge();
}
