package io.hybridfog.api.transport;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An active subscription: {@link #close()} unsubscribes (the broker forgets it); {@link #detach()} only stops the
 * delivery to this process and leaves the subscription in the broker's session, for a subscriber that will be
 * back (a restart) and must find the messages published meanwhile.
 */
@ProviderType
public interface Subscription extends AutoCloseable {
    String topicFilter();

    /**
     * Stops delivering to this subscription's handler without unsubscribing: the broker keeps the subscription in
     * the session and queues matching messages for the session's return (MQTT 5 session expiry; Mosquitto bounds
     * the queue with {@code max_queued_messages}). Messages that arrive after this call are not acknowledged, so
     * the broker sends them again when the session resumes. Idempotent; {@link #close()} afterwards does nothing.
     */
    void detach();

    @Override
    void close();
}
