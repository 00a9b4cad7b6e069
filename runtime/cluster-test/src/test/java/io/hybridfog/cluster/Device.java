package io.hybridfog.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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
 */
final class Device implements AutoCloseable {
    private final String id;
    private final String samplesTopic;
    private final MqttAsyncClient client;
    private final Semaphore window;
    /** sample id -> every result payload received for it, in arrival order */
    private final Map<String, List<String>> answers = new ConcurrentHashMap<>();
    /** sample id -> publish time (ns), for the latency of the first answer */
    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    private final Map<String, Long> latencyNs = new ConcurrentHashMap<>();

    Device(String brokerUrl, String site, String id, int window) throws MqttException {
        this.id = id;
        this.samplesTopic = "hybridfog/samples/" + site + "/" + id;
        this.window = new Semaphore(window);
        this.client = new MqttAsyncClient(brokerUrl, "device-" + id, new MemoryPersistence());
        client.setCallback(new Callback());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setSocketFactory(new NoDelaySocketFactory());
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
        client.publish(samplesTopic, m);
        return true;
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
