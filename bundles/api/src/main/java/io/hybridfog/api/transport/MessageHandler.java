package io.hybridfog.api.transport;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives messages of a subscription. Called on the transport's delivery thread:
 * hand heavy work to an executor and return quickly. Exceptions thrown here are logged
 * and the message is acknowledged (it is not redelivered).
 */
@ConsumerType
@FunctionalInterface
public interface MessageHandler {
    void onMessage(BusMessage message);
}
