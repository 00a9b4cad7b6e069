package io.hybridfog.api.transport;

/**
 * Receives messages of a subscription. Called on the transport's delivery thread:
 * hand heavy work to an executor and return quickly. Exceptions thrown here are logged
 * and the message is acknowledged (it is not redelivered).
 */
@FunctionalInterface
public interface MessageHandler {
    void onMessage(BusMessage message);
}
