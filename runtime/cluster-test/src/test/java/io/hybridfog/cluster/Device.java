package io.hybridfog.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * A simulated device on a plain Paho MQTT 5 client: publishes samples (QoS 1, sample id as correlation data) to
 * {@code hybridfog/samples/<site>/<device>} with at most {@code window} samples unanswered, and records every result
 * that arrives on {@code hybridfog/results/<device>} by sample id, repeats included (a device drops repeats by sample
 * id, docs/reliability.md; the test counts them).
 *
 * <p>Given several broker URLs (comma-separated: the nodes of a cluster) it connects to the first that answers. When
 * the connection drops it reconnects at once (the next node if its node died), subscribes again and publishes again,
 * with the same sample ids, every sample it has no answer for; it also publishes again a sample with no answer
 * {@value #RESEND_AFTER_MS} ms after its last publish. A sample that was inside a dead node is gone with it (a node
 * acknowledges a sample once it is routed, and a node that has not noticed its peer's death yet routes to the peer's
 * subscriptions); the gateway answers a sample id once (it drops a repeat it has taken or answered). With several
 * URLs its sessions are persistent (clean start false, 300 s), without: a clean session per connection.
 */
final class Device implements AutoCloseable {
    /** Longer than the gateways' offload timeout (5 s) plus a loaded machine's latency: no resend while all is well. */
    static final long RESEND_AFTER_MS = 10_000;

    private final String id;
    private final String samplesTopic;
    private final MqttAsyncClient client;
    private final Semaphore window;
    /** sample id -> every result payload received for it, in arrival order */
    private final Map<String, List<String>> answers = new ConcurrentHashMap<>();
    /** sample id -> publish time (ns), for the latency of the first answer */
    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    private final Map<String, Long> latencyNs = new ConcurrentHashMap<>();
    /** sample id -> image and last publish time, from its publish until its first answer: what is published again */
    private final Map<String, Pending> unanswered = new ConcurrentHashMap<>();
    private final ScheduledExecutorService resender;
    private final MqttConnectionOptions options = new MqttConnectionOptions();
    private final AtomicInteger resent = new AtomicInteger();
    private volatile boolean closed;

    /** @param brokerUrls one broker URL or several, comma-separated, tried in order */
    Device(String brokerUrls, String site, String id, int window) throws MqttException {
        this.id = id;
        this.samplesTopic = "hybridfog/samples/" + site + "/" + id;
        this.window = new Semaphore(window);
        String[] urls = brokerUrls.split(",");
        this.client = new MqttAsyncClient(urls[0], "device-" + id, new MemoryPersistence());
        client.setCallback(new Callback());
        options.setCleanStart(urls.length == 1);
        options.setSocketFactory(new NoDelaySocketFactory());
        if (urls.length > 1) {
            options.setServerURIs(urls);
            // a persistent session on each node it used: results that reached a node just before it died wait in its
            // subscription there, and the cluster moves them to this device's subscription on another node when the
            // node is back (redistribution)
            options.setSessionExpiryInterval(300L);
        }
        connectAndSubscribe();
        resender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "resend-" + id);
            t.setDaemon(true);
            return t;
        });
        resender.scheduleWithFixedDelay(this::resendOverdue, 1, 1, TimeUnit.SECONDS);
    }

    private record Pending(byte[] image, long publishedNs) {
    }

    private void connectAndSubscribe() throws MqttException {
        client.connect(options).waitForCompletion(10_000);
        client.subscribe("hybridfog/results/" + id, 1).waitForCompletion(10_000);
    }

    String id() {
        return id;
    }

    /** Publishes one sample once the window has room (waits up to 60 s for it; false if it never had room). */
    boolean send(String sampleId, byte[] image) throws MqttException, InterruptedException {
        if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
            return false;
        }
        MqttMessage m = new MqttMessage(image);
        m.setQos(1);
        MqttProperties p = new MqttProperties();
        p.setCorrelationData(sampleId.getBytes(StandardCharsets.UTF_8));
        m.setProperties(p);
        sentAt.put(sampleId, System.nanoTime());
        unanswered.put(sampleId, new Pending(image, System.nanoTime()));
        try {
            client.publish(samplesTopic, m);
        } catch (MqttException notConnected) {
            // the reconnect publishes it again (it is in unanswered)
        }
        return true;
    }

    /** Publishes again, with the same sample id, a sample without answer; false if the client is not connected. */
    private boolean publishAgain(String sampleId, byte[] image) {
        MqttMessage m = new MqttMessage(image);
        m.setQos(1);
        MqttProperties p = new MqttProperties();
        p.setCorrelationData(sampleId.getBytes(StandardCharsets.UTF_8));
        m.setProperties(p);
        try {
            client.publish(samplesTopic, m);
        } catch (MqttException notConnected) {
            return false;
        }
        unanswered.computeIfPresent(sampleId, (k, old) -> new Pending(image, System.nanoTime()));
        resent.incrementAndGet();
        return true;
    }

    private void resendOverdue() {
        long now = System.nanoTime();
        for (Map.Entry<String, Pending> e : unanswered.entrySet()) {
            if (now - e.getValue().publishedNs() > TimeUnit.MILLISECONDS.toNanos(RESEND_AFTER_MS)
                    && !publishAgain(e.getKey(), e.getValue().image())) {
                return;
            }
        }
    }

    /** The broker URL this device is connected to now (null while it is not). */
    String connectedTo() {
        return client.isConnected() ? client.getCurrentServerURI() : null;
    }

    /** Samples published again (after a reconnect, or without answer for {@value #RESEND_AFTER_MS} ms). */
    int resent() {
        return resent.get();
    }

    /** Reconnects at once (retrying every 100 ms), subscribes, and publishes again what has no answer yet. */
    private void reconnect() {
        while (!closed) {
            try {
                connectAndSubscribe();
                break;
            } catch (MqttException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
        if (closed) {
            return;
        }
        System.out.println("device " + id + " reconnected to " + client.getCurrentServerURI() + ", publishing "
                + unanswered.size() + " unanswered samples again");
        for (Map.Entry<String, Pending> e : unanswered.entrySet()) {
            if (!publishAgain(e.getKey(), e.getValue().image())) {
                return; // lost again: the next reconnect publishes what is left
            }
        }
    }

    /** Sample ids with at least one result. */
    int answered() {
        return answers.size();
    }

    Map<String, List<String>> answers() {
        return answers;
    }

    /** Device-side latency of the first result of each answered sample, ns. */
    Map<String, Long> latencies() {
        return latencyNs;
    }

    @Override
    public void close() {
        closed = true;
        resender.shutdownNow();
        try {
            client.disconnect().waitForCompletion(5_000);
        } catch (MqttException ignored) {
            // closing anyway
        }
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // already closed
        }
    }

    private final class Callback implements MqttCallback {
        @Override
        public void messageArrived(String topic, MqttMessage message) {
            byte[] correlation = message.getProperties() == null ? null : message.getProperties().getCorrelationData();
            String sampleId = correlation == null ? "(none)" : new String(correlation, StandardCharsets.UTF_8);
            List<String> copies = answers.computeIfAbsent(sampleId, k -> new CopyOnWriteArrayList<>());
            copies.add(new String(message.getPayload(), StandardCharsets.UTF_8));
            if (copies.size() == 1) {
                unanswered.remove(sampleId);
                Long t0 = sentAt.get(sampleId);
                if (t0 != null) {
                    latencyNs.put(sampleId, System.nanoTime() - t0);
                }
                window.release();
            }
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            System.out.println("device " + id + " disconnected: " + response);
            if (!closed) {
                Thread t = new Thread(Device.this::reconnect, "reconnect-" + id);
                t.setDaemon(true);
                t.start();
            }
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
            System.out.println("device " + id + ": " + e);
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }

    /** TCP_NODELAY: without it Nagle's algorithm delays each QoS 1 exchange by tens of ms (stack-notes). */
    private static final class NoDelaySocketFactory extends SocketFactory {
        private final SocketFactory plain = SocketFactory.getDefault();

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(plain.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(plain.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(plain.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(plain.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return noDelay(plain.createSocket(address, port, localAddress, localPort));
        }

        private static Socket noDelay(Socket s) throws IOException {
            s.setTcpNoDelay(true);
            return s;
        }
    }
}
