package io.hybridfog.mqtt.internal;

import io.hybridfog.config.SettingException;
import io.hybridfog.mqtt.MqttBusSettings;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
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
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The Paho client and its connection: clean start false with {@code session.expiry.s}, manual acknowledgements,
 * TCP_NODELAY, TLS, the status will. Paho reconnects automatically after the first connection; this class retries the
 * first connection itself (Paho does not), with exponential back-off up to {@code reconnect.max.delay.s}. Tracks the
 * connection state, the broker's limits from the CONNACK and Paho's callback (delivery) thread. With several broker
 * URLs Paho tries them in order on every connect and reconnect ({@link MqttConnectionOptions#setServerURIs}), so a
 * client whose broker node died moves to the next node that answers. Thread-safe.
 */
final class BrokerConnection {
    /** What the bus does when the connection's state changes or a message arrives; called on Paho's callback thread. */
    interface Events {
        /** Connected (again), before waiters see it: restore subscriptions, announce, open the publish window. */
        void connecting(boolean reconnect);

        void disconnected();

        void messageArrived(String topic, MqttMessage message);
    }

    private static final System.Logger LOG = System.getLogger(BrokerConnection.class.getName());
    private static final long DISCONNECT_QUIESCE_MS = 500;
    private static final long DISCONNECT_WAIT_MS = 2000;

    private final MqttBusSettings settings;
    private final MqttAsyncClient client;
    private final MqttConnectionOptions options;
    private final ScheduledExecutorService timer;
    private final StatusAnnouncer status;
    private final Object stateLock = new Object();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean aliasWarning = new AtomicBoolean();
    private final LongAdder undecodableDropped = new LongAdder();
    private Events events;

    // guarded by stateLock
    private boolean connected;
    private boolean closed;
    private Runnable onFirstConnect;
    private boolean everConnected;
    private int connectFailures;

    private volatile Integer serverReceiveMaximum;
    private volatile Long serverMaximumPacketSize;
    private volatile Throwable lastConnectFailure;
    private volatile Thread callbackThread;
    private volatile String serverUri;

    /** @throws SettingException (key {@code broker.url}) if Paho rejects the URL */
    BrokerConnection(MqttBusSettings settings, StatusAnnouncer status, ScheduledExecutorService timer) {
        this.settings = settings;
        this.status = status;
        this.timer = timer;
        try {
            this.client = new MqttAsyncClient(settings.brokerUrls().get(0), settings.clientId(), new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw new SettingException("broker.url", "rejected by the MQTT client: " + e.getMessage());
        }
        this.options = connectionOptions(settings);
        this.serverUri = settings.brokerUrl();
        status.addWill(options);
        client.setManualAcks(true); // acknowledgements are sent by MessageDispatcher
    }

    /** Sets who hears about connection changes and messages; once, before {@link #start}. */
    void listen(Events listener) {
        this.events = listener;
        client.setCallback(new Callback());
    }

    MqttAsyncClient client() {
        return client;
    }

    String clientId() {
        return settings.clientId();
    }

    /** Starts connecting in the background; repeated calls do nothing. */
    void start() {
        if (started.compareAndSet(false, true)) {
            LOG.log(Level.INFO, "connecting {0}", settings);
            connectAttempt();
        }
    }

    /** Runs {@code action} once, on a new thread, after the first successful connection. */
    void onFirstConnect(Runnable action) {
        synchronized (stateLock) {
            if (!everConnected) {
                onFirstConnect = action;
                return;
            }
        }
        runDetached(action);
    }

    boolean awaitConnected(long timeoutMs) throws InterruptedException {
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

    boolean isConnected() {
        synchronized (stateLock) {
            return connected;
        }
    }

    boolean isClosed() {
        synchronized (stateLock) {
            return closed;
        }
    }

    /** True on Paho's callback thread, which delivers messages and SUBACKs. */
    boolean onCallbackThread() {
        return Thread.currentThread() == callbackThread;
    }

    Integer serverReceiveMaximum() {
        return serverReceiveMaximum;
    }

    /** The broker's Maximum Packet Size from the last CONNACK, bytes; null if it announced none. */
    Long serverMaximumPacketSize() {
        return serverMaximumPacketSize;
    }

    /** The broker URL of the current or last connection; all of {@code broker.url} before the first. */
    String serverUri() {
        return serverUri;
    }

    Throwable lastConnectFailure() {
        return lastConnectFailure;
    }

    long undecodableMessagesDropped() {
        return undecodableDropped.sum();
    }

    /** Marks the connection closed and wakes waiters; false if it already was. */
    boolean markClosed() {
        synchronized (stateLock) {
            if (closed) {
                return false;
            }
            closed = true;
            connected = false;
            onFirstConnect = null;
            stateLock.notifyAll();
            return true;
        }
    }

    /** Announces the offline status, disconnects (the session stays for {@code session.expiry.s}) and closes the client. */
    void disconnectAndClose() {
        status.offline(client, DISCONNECT_WAIT_MS);
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
                                + "topic aliases on the broker (Mosquitto: max_topic_alias 0)", serverUri, aliases);
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

    private void connectedNow(boolean reconnect, String uri) {
        callbackThread = Thread.currentThread();
        serverUri = uri;
        if (isClosed()) {
            return;
        }
        events.connecting(reconnect);
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
        events.disconnected();
        LOG.log(Level.WARNING, "{0} lost connection to {1}: {2}; reconnecting", clientId(), serverUri, describe(r));
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

    /** @throws SettingException (key {@code broker.url}) if Paho rejects one of the broker URLs */
    private static MqttConnectionOptions connectionOptions(MqttBusSettings s) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(false);
        o.setSessionExpiryInterval(s.sessionExpiryS());
        o.setKeepAliveInterval(s.keepAliveS());
        o.setConnectionTimeout(s.connectTimeoutS());
        o.setAutomaticReconnect(true);
        if (s.brokerUrls().size() > 1) {
            try {
                o.setServerURIs(s.brokerUrls().toArray(String[]::new)); // tried in order
            } catch (IllegalArgumentException e) {
                throw new SettingException("broker.url", "rejected by the MQTT client: " + e.getMessage());
            }
        }
        o.setMaxReconnectDelay((int) TimeUnit.SECONDS.toMillis(s.reconnectMaxDelayS()));
        o.setUseSubscriptionIdentifiers(false); // identifiers are assigned by SubscriptionTable
        o.setSocketFactory(s.tls() ? new NoDelaySslSocketFactory(TlsContexts.socketFactory(s.tlsFiles()))
                : new NoDelaySocketFactory());
        o.setHttpsHostnameVerificationEnabled(true); // the broker's certificate must name the host we connect to
        if (s.username() != null) {
            o.setUserName(s.username());
        }
        if (s.password() != null) {
            o.setPassword(s.password().getBytes(StandardCharsets.UTF_8));
        }
        return o;
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
            events.messageArrived(topic, message);
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // publish futures complete through Publisher's listener
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            connectedNow(reconnect, serverUri);
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            // no enhanced authentication
        }
    }
}
