package io.hybridfog.api.transport;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives messages of a subscription and decides itself when each is acknowledged: for work that must not be lost
 * if the process stops before it is done (acknowledge once the outcome is stored or sent). A message that is never
 * acknowledged is redelivered by the broker when the session resumes, so handlers must be idempotent (for example
 * keyed by sample id). Called on the transport's delivery thread: hand heavy work to an executor and return quickly.
 * If this method throws, the exception is logged and the message is acknowledged (it would fail again).
 */
@ConsumerType
@FunctionalInterface
public interface AcknowledgingHandler {
    void onMessage(BusMessage message, Acknowledgement ack);
}
