package io.hybridfog.api.transport;

/** An active subscription; {@link #close()} unsubscribes. */
public interface Subscription extends AutoCloseable {
    String topicFilter();

    @Override
    void close();
}
