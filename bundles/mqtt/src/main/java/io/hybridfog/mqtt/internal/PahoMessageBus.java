package io.hybridfog.mqtt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.hybridfog.api.transport.Acknowledgement;
import io.hybridfog.api.transport.AcknowledgingHandler;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.api.transport.MessageHandler;
import io.hybridfog.api.transport.PacketTooLargeException;
import io.hybridfog.api.transport.PublishRefusedException;
import io.hybridfog.api.transport.Subscription;
import io.hybridfog.config.SettingException;
import io.hybridfog.mqtt.internal.EarlyMessages;
import io.hybridfog.mqtt.internal.MessageMapping;
import io.hybridfog.mqtt.internal.NoDelaySocketFactory;
import io.hybridfog.mqtt.internal.NoDelaySslSocketFactory;
import io.hybridfog.mqtt.internal.PublishPipeline;
import io.hybridfog.mqtt.internal.SubscriptionTable;
import io.hybridfog.mqtt.internal.TlsContexts;
import io.hybridfog.mqtt.internal.TopicFilters;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * {@link MessageBus} over one Paho MQTT v5 asynchronous client.
 *
 * <ul>
 * <li>Session: clean start false with {@code session.expiry.s}; Paho reconnects automatically after the first
 * connection, this class retries the first connection itself (Paho does not). {@link #close()} keeps the session
 * (a restarted client with the same id finds the messages queued meanwhile); unsubscribe first what must not be
 * queued, such as a shared subscription (its messages would wait for a member that may not come back).</li>
 * <li>Acknowledgements: manual (Paho {@code setManualAcks}); a message is acknowledged once every handler it
 * reached has acknowledged it: plain {@link MessageHandler}s on return, {@link AcknowledgingHandler}s when they
 * call their {@link Acknowledgement}.</li>
 * <li>Subscriptions: QoS 1, each filter with its own subscription identifier; all are sent again after every
 * (re)connect, since a broker without persistence forgets them on restart.</li>
 * <li>Publishing: QoS 1 through {@link PublishPipeline} (bounded queue, in-flight window, retry on 32202).</li>
 * <li>Delivery: handlers run on Paho's single callback thread; they must return quickly and must not call
 * {@link #subscribe} (it would wait for a SUBACK that this very thread delivers).</li>
 * </ul>
 * Thread-safe.
 */
public final class PahoMessageBus implements MessageBus, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PahoMessageBus.class.getName());
    private static final long DISCONNECT_QUIESCE_MS = 500;
    private static final long DISCONNECT_WAIT_MS = 2000;
    /** Messages held for a subscription not made yet (see {@link EarlyMessages}): how many, how long. */
    static final int EARLY_CAPACITY = 10_000;
    static final long EARLY_HOLD_MS = 30_000;
    private static final JsonFactory JSON = new JsonFactory();
    /** Paho reason codes of publishes that failed because the connection went away, not because of the message. */
    private static final java.util.Set<Integer> CONNECTION_GONE = java.util.Set.of(
            (int) MqttClientException.REASON_CODE_CONNECTION_LOST, (int) MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED,
            (int) MqttClientException.REASON_CODE_CLIENT_DISCONNECTING, (int) MqttClientException.REASON_CODE_CLIENT_TIMEOUT);

    private final MqttBusSettings settings;
    private final MqttAsyncClient client;
    private final MqttConnectionOptions options;
    private final ScheduledExecutorService timer;
    private final ExecutorService completions;
    private final PublishPipeline pipeline;
    private final SubscriptionTable subscriptions = new SubscriptionTable();
    private final EarlyMessages early = new EarlyMessages(EARLY_CAPACITY, EARLY_HOLD_MS);
    private final Object subscribeLock = new Object();
    private final Object stateLock = new Object();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean aliasWarning = new AtomicBoolean();
    private final MqttActionListener publishListener = new PublishListener();

    // guarded by stateLock
    private boolean connected;
    private boolean closed;
    private Runnable onFirstConnect;
    private boolean everConnected;
    private int connectFailures;

    private volatile Integer serverReceiveMaximum;
    private volatile Long serverMaximumPacketSize;
    private volatile Throwable lastConnectFailure;
    private final java.util.concurrent.atomic.LongAdder undecodableDropped = new java.util.concurrent.atomic.LongAdder();
    private volatile Thread callbackThread;

    /**
     * Creates the client; nothing is sent until {@link #start()}.
     *
     * @throws SettingException (key {@code broker.url}) if Paho rejects the URL
     */
    public PahoMessageBus(MqttBusSettings settings) {
        this.settings = settings;
        try {
            this.client = new MqttAsyncClient(settings.brokerUrl(), settings.clientId(), new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new SettingException("broker.url", "rejected by the MQTT client: " + e.getMessage());
        }
        this.options = connectionOptions(settings);
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("hybridfog-mqtt-timer-" + settings.clientId()));
        this.completions = Executors.newSingleThreadExecutor(daemon("hybridfog-mqtt-completion-" + settings.clientId()));
        this.pipeline = new PublishPipeline(this::send, settings.publishQueueCapacity(), settings.maxInflight(),
                TimeUnit.SECONDS.toMillis(settings.publishWaitS()), settings.brokerUrl(), completions, timer);
        client.setCallback(new Callback());
        client.setManualAcks(true);
        timer.scheduleWithFixedDelay(this::giveUpEarlyMessages, 1, 1, TimeUnit.SECONDS);
    }

    /** Starts connecting in the background and returns at once; repeated calls do nothing. */
    public void start() {
        if (started.compareAndSet(false, true)) {
            LOG.log(Level.INFO, "connecting {0}", settings);
            connectAttempt();
        }
    }

    /**
     * Runs {@code action} once, on a new thread, after the first successful connection (not on Paho's thread,
     * so the action may subscribe). Used to register the OSGi service only once the broker is reachable.
     */
    public void onFirstConnect(Runnable action) {
        synchronized (stateLock) {
            if (!everConnected) {
                onFirstConnect = action;
                return;
            }
        }
        runDetached(action);
    }

    /** Waits up to {@code timeoutMs} for a connection; true if connected. */
    public boolean awaitConnected(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (stateLock) {
            while (!connected && !closed) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                stateLock.wait(left);
            }
            return connected;
        }
    }

    /** The settings this bus runs with. */
    public MqttBusSettings settings() {
        return settings;
    }

    /** Publishes waiting for the client / handed to it and not yet acknowledged (for diagnostics). */
    public String publishState() {
        return "queued " + pipeline.queued() + ", in flight " + pipeline.inFlight() + " of " + pipeline.window()
                + (isConnected() ? "" : ", not connected");
    }

    /**
     * Messages the client received but could not decode (a topic name or property that is not valid MQTT 5, e.g. a
     * string with a control character), acknowledged to the broker and dropped without reaching a handler; each is
     * logged with the topic and cause (bundles/paho-osgi/PATCHES.md).
     *
     * @return the count since this bus was created
     */
    public long undecodableMessagesDropped() {
        return undecodableDropped.sum();
    }

    /**
     * Why the last attempt at the first connection failed: a Paho {@code MqttException} with the broker's CONNACK
     * reason code (e.g. 134 bad user name or password, 135 not authorized), or one whose cause is the TLS or socket
     * error (e.g. {@code javax.net.ssl.SSLHandshakeException}).
     *
     * @return the failure, or null if no attempt has failed
     */
    public Throwable lastConnectFailure() {
        return lastConnectFailure;
    }

    /** Current in-flight window: min(max.inflight, the broker's Receive Maximum). */
    public int inflightWindow() {
        return pipeline.window();
    }

    @Override
    public String clientId() {
        return settings.clientId();
    }

    @Override
    public boolean isConnected() {
        synchronized (stateLock) {
            return connected;
        }
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
        try {
            TopicFilters.validateTopicName(message.topic());
            Long maximum = serverMaximumPacketSize;
            if (maximum != null) {
                long size = MessageMapping.packetSize(message.topic(), MessageMapping.toPaho(message));
                if (size > maximum) {
                    // Paho would write it and the broker would close the connection: refuse it here instead
                    return CompletableFuture.failedFuture(new PacketTooLargeException(message.topic(), size, maximum));
                }
            }
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return pipeline.submit(message);
    }

    /** The broker's Maximum Packet Size from the last CONNACK, bytes; null if it announced none (no limit). */
    public Long serverMaximumPacketSize() {
        return serverMaximumPacketSize;
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
        TopicFilters.validateFilter(topicFilter);
        if (handler == null) {
            throw new IllegalArgumentException("handler must not be null");
        }
        if (Thread.currentThread() == callbackThread) {
            throw new IllegalStateException("subscribe(" + topicFilter + ") called from a message handler: "
                    + "it would wait for a SUBACK that this thread delivers; subscribe from another thread");
        }
        long waitMs = TimeUnit.SECONDS.toMillis(settings.connectTimeoutS());
        synchronized (subscribeLock) {
            SubscriptionTable.Entry existing = subscriptions.get(topicFilter);
            if (existing != null) {
                if (!existing.held().get()) {
                    existing.handlers().add(handler);
                    return new BusSubscription(existing, handler);
                }
                subscriptions.remove(existing); // subscribing again after a detach: a fresh entry
            }
            try {
                if (!awaitConnected(waitMs)) {
                    throw new IOException(isClosed() ? "message bus is closed"
                            : "not connected to " + settings.brokerUrl() + " within " + settings.connectTimeoutS()
                            + " s; cannot subscribe to " + topicFilter);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for a connection to subscribe to " + topicFilter, e);
            }
            // Registered before SUBSCRIBE so nothing that arrives right after the SUBACK is missed.
            SubscriptionTable.Entry entry = subscriptions.create(topicFilter, handler);
            try {
                IMqttToken token = client.subscribe(new MqttSubscription[] {new MqttSubscription(topicFilter, MessageMapping.QOS)},
                        null, null, subscribeProperties(entry));
                token.waitForCompletion(waitMs);
                checkSubAck(topicFilter, token.getReasonCodes());
            } catch (MqttException | IOException | RuntimeException e) {
                subscriptions.remove(entry);
                if (e instanceof IOException io) {
                    throw io;
                }
                throw new IOException("subscribe to " + topicFilter + " failed: " + e.getMessage(), e);
            }
            LOG.log(Level.DEBUG, "{0} subscribed to {1} (subscription id {2})", clientId(), topicFilter, entry.subscriptionId());
            for (EarlyMessages.Held h : early.claim(topicFilter)) {
                deliver(List.of(entry), h.topic(), h.message()); // arrived with the session, before this subscription
            }
            return new BusSubscription(entry, handler);
        }
    }

    /**
     * Fails waiting publishes, publishes the offline status, disconnects (the session stays for {@code
     * session.expiry.s}) and closes the client; idempotent.
     */
    @Override
    public void close() {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            connected = false;
            onFirstConnect = null;
            stateLock.notifyAll();
        }
        pipeline.close();
        try {
            if (client.isConnected() && settings.statusTopic() != null) {
                // a graceful disconnect does not send the will: announce it ourselves
                client.publish(settings.statusTopic(), statusMessage(clientId(), "offline")).waitForCompletion(DISCONNECT_WAIT_MS);
            }
        } catch (MqttException | RuntimeException e) {
            LOG.log(Level.DEBUG, "offline status of " + clientId() + " not published: " + e);
        }
        try {
            if (client.isConnected()) {
                client.disconnect(DISCONNECT_QUIESCE_MS).waitForCompletion(DISCONNECT_WAIT_MS);
            }
        } catch (MqttException | RuntimeException e) {
            LOG.log(Level.DEBUG, "disconnect of " + clientId() + " failed: " + e);
        }
        try {
            client.close(true);
        } catch (MqttException | RuntimeException e) {
            LOG.log(Level.DEBUG, "close of " + clientId() + " failed: " + e);
        }
        timer.shutdownNow();
        completions.shutdown();
        LOG.log(Level.INFO, "{0} closed", clientId());
    }

    private boolean isClosed() {
        synchronized (stateLock) {
            return closed;
        }
    }

    private void connectAttempt() {
        if (isClosed()) {
            return;
        }
        try {
            client.connect(options, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    MqttProperties p = token.getResponseProperties();
                    serverReceiveMaximum = p == null ? null : p.getReceiveMaximum();
                    serverMaximumPacketSize = p == null ? null : p.getMaximumPacketSize();
                    Integer aliases = p == null ? null : p.getTopicAliasMaximum();
                    if (aliases != null && aliases > 0 && aliasWarning.compareAndSet(false, true)) {
                        LOG.log(Level.WARNING, "{0} allows {1} topic aliases: Paho 1.2.5 reuses them after a reconnect "
                                + "and the broker then drops the connection (protocol error) on every attempt; disable "
                                + "topic aliases on the broker (Mosquitto: max_topic_alias 0)", settings.brokerUrl(), aliases);
                    }
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    retryFirstConnect(e);
                }
            });
        } catch (MqttException e) {
            if (e.getReasonCode() == MqttClientException.REASON_CODE_CLIENT_CONNECTED
                    || e.getReasonCode() == MqttClientException.REASON_CODE_CONNECT_IN_PROGRESS) {
                return;
            }
            retryFirstConnect(e);
        }
    }

    private void retryFirstConnect(Throwable cause) {
        long delayS;
        lastConnectFailure = cause;
        synchronized (stateLock) {
            if (closed || everConnected) {
                return; // after the first connection Paho's automatic reconnect takes over
            }
            connectFailures++;
            delayS = Math.min(settings.reconnectMaxDelayS(), 1L << Math.min(connectFailures - 1, 20));
        }
        LOG.log(Level.WARNING, "cannot connect {0} to {1}: {2}; retrying in {3} s",
                clientId(), settings.brokerUrl(), String.valueOf(cause), delayS);
        try {
            timer.schedule(this::connectAttempt, delayS, TimeUnit.SECONDS);
        } catch (RejectedExecutionException closing) {
            // closed meanwhile
        }
    }

    private void send(PublishPipeline.Pending p) throws PublishPipeline.SendRefused, IOException {
        BusMessage m = p.message();
        try {
            client.publish(m.topic(), MessageMapping.toPaho(m), p, publishListener);
        } catch (MqttException e) {
            int code = e.getReasonCode();
            if (code == MqttClientException.REASON_CODE_MAX_INFLIGHT) {
                throw new PublishPipeline.SendRefused(true, e.getMessage());
            }
            if (code == MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED
                    || code == MqttClientException.REASON_CODE_CLIENT_DISCONNECTING
                    || code == MqttClientException.REASON_CODE_CONNECT_IN_PROGRESS) {
                throw new PublishPipeline.SendRefused(false, e.getMessage());
            }
            throw new IOException("publish to " + m.topic() + " refused: " + e.getMessage() + " (" + code + ")", e);
        }
    }

    private void restoreSubscriptions() {
        for (SubscriptionTable.Entry e : subscriptions.all()) {
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

    private void dispatch(String topic, MqttMessage message) {
        MqttProperties p = message.getProperties();
        List<SubscriptionTable.Entry> entries = subscriptions.route(topic, p == null ? null : p.getSubscriptionIdentifiers());
        if (entries.isEmpty()) {
            EarlyMessages.Held dropped = early.add(topic, message, System.nanoTime());
            if (dropped != null) {
                LOG.log(Level.WARNING, "{0}: more than {1} messages for no subscription; one on {2} left to the next session",
                        clientId(), EARLY_CAPACITY, dropped.topic());
            }
            return;
        }
        deliver(entries, topic, message);
    }

    /** Hands a message to the handlers of its entries; acknowledged when all have acknowledged it. */
    private void deliver(List<SubscriptionTable.Entry> entries, String topic, MqttMessage message) {
        int handlers = entries.stream().mapToInt(e -> e.handlers().size()).sum();
        if (handlers == 0) {
            return; // detached (held for the session's return): the broker redelivers it then
        }
        BusMessage bm = MessageMapping.fromPaho(topic, message);
        AtomicInteger outstanding = new AtomicInteger(handlers);
        for (SubscriptionTable.Entry e : entries) {
            for (AcknowledgingHandler h : e.handlers()) {
                Acknowledgement ack = new HandlerAck(message.getId(), message.getQos(), outstanding);
                try {
                    h.onMessage(bm, ack);
                } catch (RuntimeException | LinkageError ex) {
                    LOG.log(Level.ERROR, "handler for " + e.filter() + " failed on a message from " + topic, ex);
                    ack.acknowledge();
                }
            }
        }
    }

    private void giveUpEarlyMessages() {
        List<EarlyMessages.Held> expired = early.expire(System.nanoTime());
        if (!expired.isEmpty()) {
            LOG.log(Level.WARNING, "{0}: {1} messages (first on {2}) matched no subscription for {3} s; left "
                    + "unacknowledged for the next session", clientId(), expired.size(), expired.get(0).topic(), EARLY_HOLD_MS / 1000);
        }
    }

    private void acknowledge(int messageId, int qos) {
        if (qos == 0) {
            return;
        }
        try {
            client.messageArrivedComplete(messageId, qos);
        } catch (MqttException | RuntimeException e) {
            // not connected: the broker sends the message again on the next connection and it is acknowledged then
            LOG.log(Level.DEBUG, "{0}: acknowledgement of message {1} not sent: {2}", clientId(), messageId, e);
        }
    }

    /** One handler's share of a message's acknowledgement; the PUBACK goes out when the last share is given. */
    private final class HandlerAck implements Acknowledgement {
        private final int messageId;
        private final int qos;
        private final AtomicInteger outstanding;
        private final AtomicBoolean done = new AtomicBoolean();

        HandlerAck(int messageId, int qos, AtomicInteger outstanding) {
            this.messageId = messageId;
            this.qos = qos;
            this.outstanding = outstanding;
        }

        @Override
        public void acknowledge() {
            if (done.compareAndSet(false, true) && outstanding.decrementAndGet() == 0) {
                PahoMessageBus.this.acknowledge(messageId, qos);
            }
        }
    }

    private void connectedNow(boolean reconnect) {
        callbackThread = Thread.currentThread();
        if (isClosed()) {
            return;
        }
        restoreSubscriptions();
        publishOnlineStatus();
        pipeline.connected(serverReceiveMaximum); // before waiters wake: they may look at the window
        Runnable first;
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            connected = true;
            everConnected = true;
            first = onFirstConnect;
            onFirstConnect = null;
            stateLock.notifyAll();
        }
        LOG.log(Level.INFO, "{0} {1} {2} (in-flight window {3})", clientId(), reconnect ? "reconnected to" : "connected to",
                settings.brokerUrl(), pipeline.window());
        if (first != null) {
            runDetached(first);
        }
    }

    private void disconnectedNow(MqttDisconnectResponse r) {
        synchronized (stateLock) {
            connected = false;
            stateLock.notifyAll();
            if (closed) {
                return;
            }
        }
        pipeline.disconnected();
        LOG.log(Level.WARNING, "{0} lost connection to {1}: {2}; reconnecting", clientId(), settings.brokerUrl(), describe(r));
    }

    private void runDetached(Runnable action) {
        Thread t = new Thread(() -> {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "first-connect action of " + clientId() + " failed", e);
            }
        }, "hybridfog-mqtt-connected-" + clientId());
        t.setDaemon(true);
        t.start();
    }

    private static String describe(MqttDisconnectResponse r) {
        if (r == null) {
            return "unknown reason";
        }
        if (r.getException() != null) {
            return String.valueOf(r.getException());
        }
        return "DISCONNECT reason code 0x" + Integer.toHexString(r.getReturnCode())
                + (r.getReasonString() == null ? "" : " (" + r.getReasonString() + ")");
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

    private void publishOnlineStatus() {
        if (settings.statusTopic() == null) {
            return;
        }
        try {
            client.publish(settings.statusTopic(), statusMessage(clientId(), "online"));
        } catch (MqttException | RuntimeException e) {
            LOG.log(Level.WARNING, "online status of " + clientId() + " not published: " + e);
        }
    }

    /** Retained QoS 1 {@code {"clientId":"..","state":".."}}, content type application/json. */
    private static MqttMessage statusMessage(String clientId, String state) {
        java.io.ByteArrayOutputStream json = new java.io.ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(json)) {
            g.writeStartObject();
            g.writeStringField("clientId", clientId);
            g.writeStringField("state", state);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to memory cannot fail", e);
        }
        MqttProperties p = new MqttProperties();
        p.setContentType("application/json");
        return new MqttMessage(json.toByteArray(), MessageMapping.QOS, true, p);
    }

    private static MqttConnectionOptions connectionOptions(MqttBusSettings s) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(false);
        // acknowledgements are sent by dispatch/HandlerAck (see the class comment)
        o.setSessionExpiryInterval(s.sessionExpiryS());
        o.setKeepAliveInterval(s.keepAliveS());
        o.setConnectionTimeout(s.connectTimeoutS());
        o.setAutomaticReconnect(true);
        o.setMaxReconnectDelay((int) TimeUnit.SECONDS.toMillis(s.reconnectMaxDelayS()));
        o.setUseSubscriptionIdentifiers(false); // identifiers are assigned by SubscriptionTable
        o.setSocketFactory(s.tls() ? new NoDelaySslSocketFactory(TlsContexts.socketFactory(s.tlsFiles()))
                : new NoDelaySocketFactory());
        o.setHttpsHostnameVerificationEnabled(true); // the broker's certificate must name the host we connect to
        if (s.statusTopic() != null) {
            o.setWill(s.statusTopic(), statusMessage(s.clientId(), "offline"));
        }
        if (s.username() != null) {
            o.setUserName(s.username());
        }
        if (s.password() != null) {
            o.setPassword(s.password().getBytes(StandardCharsets.UTF_8));
        }
        return o;
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
            t.setDaemon(true);
            return t;
        };
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
                subscriptions.remove(entry);
            }
            if (!isConnected()) {
                return; // the broker's copy ends with the session; restore() no longer knows the filter
            }
            try {
                client.unsubscribe(entry.filter()); // asynchronous: close() must not wait on the broker
            } catch (MqttException | RuntimeException e) {
                LOG.log(Level.DEBUG, "unsubscribe from " + entry.filter() + " failed: " + e);
            }
        }
    }

    private final class PublishListener implements MqttActionListener {
        @Override
        public void onSuccess(IMqttToken token) {
            PublishPipeline.Pending p = (PublishPipeline.Pending) token.getUserContext();
            int[] codes = token.getReasonCodes();
            if (codes != null) {
                for (int c : codes) {
                    if (c >= 0x80) {
                        pipeline.failed(p, new PublishRefusedException(p.message().topic(), c));
                        return;
                    }
                }
            }
            pipeline.acked(p);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable e) {
            PublishPipeline.Pending p = (PublishPipeline.Pending) token.getUserContext();
            if (e instanceof MqttException m && CONNECTION_GONE.contains(m.getReasonCode()) && !isClosed()) {
                // Paho 1.2.5 fails the publishes in flight when the connection drops (it does not resend them
                // after the reconnect): send them again (at least once; the broker may have had some already)
                pipeline.requeue(p);
                return;
            }
            pipeline.failed(p, new IOException("publish to " + p.message().topic() + " failed: " + e.getMessage(), e));
        }
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            disconnectedNow(response);
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
            if (e.getReasonCode() == MqttException.REASON_CODE_MALFORMED_PACKET && e.getCause() != null) {
                undecodableDropped.increment(); // the patched Paho acknowledged and dropped it (PATCHES.md)
                LOG.log(Level.WARNING, "{0}", e.getCause().getMessage());
                return;
            }
            LOG.log(Level.WARNING, "{0}: MQTT error: {1}", clientId(), e.toString());
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            callbackThread = Thread.currentThread();
            dispatch(topic, message);
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // futures complete through PublishListener
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            connectedNow(reconnect);
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            // no enhanced authentication
        }
    }
}
