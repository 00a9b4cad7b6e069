package io.hybridfog.mqtt.internal;

import io.hybridfog.api.transport.AcknowledgingHandler;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.api.transport.MessageHandler;
import io.hybridfog.api.transport.PacketTooLargeException;
import io.hybridfog.api.transport.Subscription;
import io.hybridfog.config.SettingException;
import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.MqttClientBus;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * {@link MessageBus} over one Paho MQTT v5 asynchronous client, put together from its parts:
 * <ul>
 * <li>{@link BrokerConnection}: session (clean start false, {@code session.expiry.s}), first-connect retry, Paho's
 * automatic reconnect. {@link #close()} keeps the session (a restarted client with the same id finds the messages
 * queued meanwhile); unsubscribe first what must not be queued, such as a shared subscription.</li>
 * <li>{@link SubscriptionManager}: QoS 1 subscriptions, restored after every (re)connect.</li>
 * <li>{@link MessageDispatcher}: delivery with manual acknowledgements; a message is acknowledged once every handler
 * it reached has acknowledged it: plain {@link MessageHandler}s on return, {@link AcknowledgingHandler}s when they
 * call their acknowledgement.</li>
 * <li>{@link Publisher}: QoS 1 through {@link PublishPipeline} (bounded queue, in-flight window, retry on 32202).</li>
 * <li>{@link StatusAnnouncer}: retained online/offline status and last will on {@code status.topic}.</li>
 * </ul>
 * Handlers run on Paho's single callback thread; they must return quickly and must not call {@link #subscribe} (it
 * would wait for a SUBACK that this very thread delivers). Thread-safe.
 */
public final class PahoMessageBus implements MqttClientBus {
    private static final System.Logger LOG = System.getLogger(PahoMessageBus.class.getName());

    private final MqttBusSettings settings;
    private final ScheduledExecutorService timer;
    private final ExecutorService completions;
    private final BrokerConnection connection;
    private final MessageDispatcher dispatcher;
    private final SubscriptionManager subscriptions;
    private final Publisher publisher;

    /**
     * Creates the client; nothing is sent until {@link #start()}.
     *
     * @throws SettingException (key {@code broker.url}) if Paho rejects the URL
     */
    public PahoMessageBus(MqttBusSettings settings) {
        this.settings = settings;
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("hybridfog-mqtt-timer-" + settings.clientId()));
        StatusAnnouncer status = new StatusAnnouncer(settings.statusTopic(), settings.clientId());
        this.connection = new BrokerConnection(settings, status, timer);
        this.completions = Executors.newSingleThreadExecutor(daemon("hybridfog-mqtt-completion-" + settings.clientId()));
        SubscriptionTable table = new SubscriptionTable();
        this.dispatcher = new MessageDispatcher(connection.client(), settings.clientId(), table);
        this.subscriptions = new SubscriptionManager(connection, table, dispatcher, settings.brokerUrl(),
                settings.connectTimeoutS());
        this.publisher = new Publisher(connection, settings, completions, timer);
        connection.listen(new BrokerConnection.Events() {
            @Override
            public void connecting(boolean reconnect) {
                subscriptions.restore();
                status.online(connection.client());
                publisher.connected(connection.serverReceiveMaximum()); // before waiters wake: they may look at the window
                LOG.log(Level.INFO, "{0} {1} {2} (in-flight window {3})", clientId(),
                        reconnect ? "reconnected to" : "connected to", connection.serverUri(), publisher.window());
            }

            @Override
            public void disconnected() {
                publisher.disconnected();
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                dispatcher.dispatch(topic, message);
            }
        });
        timer.scheduleWithFixedDelay(dispatcher::giveUpEarlyMessages, 1, 1, TimeUnit.SECONDS);
    }

    /** Starts connecting in the background and returns at once; repeated calls do nothing. */
    public void start() {
        connection.start();
    }

    /**
     * Runs {@code action} once, on a new thread, after the first successful connection (not on Paho's thread,
     * so the action may subscribe). Used to register the OSGi service only once the broker is reachable.
     */
    public void onFirstConnect(Runnable action) {
        connection.onFirstConnect(action);
    }

    @Override
    public boolean awaitConnected(long timeoutMs) throws InterruptedException {
        return connection.awaitConnected(timeoutMs);
    }

    /** The broker URL of the current or last connection (one of {@code broker.url}'s); all of them before the first. */
    public String serverUri() {
        return connection.serverUri();
    }

    /** The settings this bus runs with. */
    public MqttBusSettings settings() {
        return settings;
    }

    @Override
    public String publishState() {
        return publisher.state() + (isConnected() ? "" : ", not connected");
    }

    @Override
    public long undecodableMessagesDropped() {
        return connection.undecodableMessagesDropped();
    }

    /**
     * Why the last attempt at the first connection failed: a Paho {@code MqttException} with the broker's CONNACK
     * reason code (e.g. 134 bad user name or password, 135 not authorized), or one whose cause is the TLS or socket
     * error (e.g. {@code javax.net.ssl.SSLHandshakeException}).
     *
     * @return the failure, or null if no attempt has failed
     */
    public Throwable lastConnectFailure() {
        return connection.lastConnectFailure();
    }

    /** Current in-flight window: min(max.inflight, the broker's Receive Maximum). */
    public int inflightWindow() {
        return publisher.window();
    }

    /** The broker's Maximum Packet Size from the last CONNACK, bytes; null if it announced none (no limit). */
    public Long serverMaximumPacketSize() {
        return connection.serverMaximumPacketSize();
    }

    @Override
    public String clientId() {
        return settings.clientId();
    }

    @Override
    public boolean isConnected() {
        return connection.isConnected();
    }

    /**
     * Queues a QoS 1 publish. The future fails with {@link IllegalArgumentException} for an invalid topic, with
     * {@link PacketTooLargeException} (at once, nothing is sent) if the packet exceeds the broker's Maximum Packet
     * Size, and with {@link IOException} if the queue is full ({@code publish.queue.capacity}), no connection came
     * within {@code connect.timeout.s}, the broker refused the message (PUBACK reason code &ge; 0x80) or the bus
     * closed.
     */
    @Override
    public CompletableFuture<Void> publish(BusMessage message) {
        return publisher.publish(message);
    }

    /**
     * Subscribes with QoS 1 (see {@link MessageBus#subscribeAcknowledging}) and waits for the SUBACK. Several handlers
     * may share a filter; the broker then holds one subscription for it. {@link #subscribe} comes here too.
     *
     * @throws IllegalArgumentException if the filter is invalid
     * @throws IllegalStateException    if called on the bus's delivery thread (from a message handler)
     * @throws IOException              if not connected within {@code connect.timeout.s}, no SUBACK came within
     *                                  that time, or the broker refused the subscription
     */
    @Override
    public Subscription subscribeAcknowledging(String topicFilter, AcknowledgingHandler handler) throws IOException {
        return subscriptions.subscribe(topicFilter, handler);
    }

    /**
     * Fails waiting publishes, publishes the offline status, disconnects (the session stays for {@code
     * session.expiry.s}) and closes the client; idempotent.
     */
    @Override
    public void close() {
        if (!connection.markClosed()) {
            return;
        }
        publisher.close();
        connection.disconnectAndClose();
        timer.shutdownNow();
        completions.shutdown();
        LOG.log(Level.INFO, "{0} closed", clientId());
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
            t.setDaemon(true);
            return t;
        };
    }
}
