package io.hybridfog.mqtt;

import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.config.SettingException;
import io.hybridfog.mqtt.internal.PahoMessageBus;

/**
 * A {@link MessageBus} its creator owns, for plain-Java use (simulated devices, tools, tests) and for code inside
 * OSGi that needs its own connection; in OSGi the runtime's buses come from configuration PID
 * {@code io.hybridfog.mqtt} as {@link MessageBus} services instead. MQTT 5 over Eclipse Paho: QoS 1, persistent
 * session (clean start false), automatic reconnect with subscription restore, TCP_NODELAY. Thread-safe.
 */
public interface MqttClientBus extends MessageBus, AutoCloseable {

    /**
     * Creates a client and starts connecting in the background; returns at once (see {@link #awaitConnected}).
     * Connection failures are retried with back-off up to {@code reconnect.max.delay.s}.
     *
     * @throws SettingException (key {@code broker.url}) if the MQTT client rejects the URL
     */
    static MqttClientBus start(MqttBusSettings settings) {
        PahoMessageBus bus = new PahoMessageBus(settings);
        bus.start();
        return bus;
    }

    /**
     * Waits for the connection.
     *
     * @param timeoutMs longest wait, milliseconds
     * @return true if connected, false if not within {@code timeoutMs} or closed
     * @throws InterruptedException if interrupted while waiting
     */
    boolean awaitConnected(long timeoutMs) throws InterruptedException;

    /** Publishes waiting for the connection or handed to it and not yet acknowledged, in words (for diagnostics). */
    String publishState();

    /**
     * Messages received that could not be decoded (a topic name or property that is not valid MQTT 5), acknowledged
     * to the broker and dropped without reaching a handler; each is logged with its topic and cause.
     *
     * @return the count since this bus was created
     */
    long undecodableMessagesDropped();

    /**
     * Fails waiting publishes, publishes the offline status (if {@code status.topic} is set), disconnects (the
     * broker keeps the session for {@code session.expiry.s}) and closes the client; idempotent.
     */
    @Override
    void close();
}
