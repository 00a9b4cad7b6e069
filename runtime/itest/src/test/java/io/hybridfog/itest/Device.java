package io.hybridfog.itest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
 * A simulated device inside the framework: its own Paho MQTT 5 client (from the wrapped Paho bundle),
 * publishing samples to {@code hybridfog/samples/<deviceId>} with the sample id as correlation data (QoS 1),
 * and collecting the JSON results from {@code hybridfog/results/<deviceId>}.
 */
final class Device implements MqttCallback, AutoCloseable {
    static final String SAMPLES = "hybridfog/samples/";
    static final String RESULTS = "hybridfog/results/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One result message as received. */
    record Received(String topic, JsonNode json, String correlationData, String contentType, long receivedNanos) {
        String sampleId() {
            JsonNode n = json.get("sampleId");
            return n == null || n.isNull() ? null : n.asText();
        }
    }

    final String deviceId;
    private final MqttAsyncClient client;
    private final Map<String, List<Received>> bySample = new ConcurrentHashMap<>();
    private final List<Received> all = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private volatile Consumer<Received> listener = r -> { };

    Device(String brokerUrl, String deviceId) throws MqttException {
        this.deviceId = deviceId;
        this.client = new MqttAsyncClient(brokerUrl, "itest-device-" + deviceId, new MemoryPersistence());
        client.setCallback(this);
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setAutomaticReconnect(false);
        o.setConnectionTimeout(10);
        o.setKeepAliveInterval(30);
        o.setSocketFactory(new NoDelaySocketFactory());
        client.connect(o).waitForCompletion(15_000);
        IMqttToken sub = client.subscribe(RESULTS + deviceId, 1);
        sub.waitForCompletion(15_000);
        int[] codes = sub.getReasonCodes();
        if (codes == null || codes.length != 1 || codes[0] > 2) {
            throw new IllegalStateException("subscription to " + RESULTS + deviceId + " refused: "
                    + (codes == null ? "no reason code" : java.util.Arrays.toString(codes)));
        }
    }

    /** Called on Paho's thread for every result (e.g. to release a sending window). */
    void onResult(Consumer<Received> l) {
        this.listener = l;
    }

    /** Publishes one sample (QoS 1) and waits for the broker's PUBACK. */
    void publish(String sampleId, byte[] payload) throws MqttException {
        publishAsync(sampleId, payload).waitForCompletion(15_000);
    }

    IMqttToken publishAsync(String sampleId, byte[] payload) throws MqttException {
        MqttMessage m = new MqttMessage(payload);
        m.setQos(1);
        MqttProperties p = new MqttProperties();
        if (sampleId != null) {
            p.setCorrelationData(sampleId.getBytes(StandardCharsets.UTF_8));
        }
        m.setProperties(p);
        return client.publish(SAMPLES + deviceId, m);
    }

    /** Results received for one sample id (JSON field sampleId), in arrival order. */
    List<Received> results(String sampleId) {
        return bySample.getOrDefault(sampleId, List.of());
    }

    List<Received> allResults() {
        return new ArrayList<>(all);
    }

    /** Messages that were not JSON objects, and Paho errors. */
    List<String> problems() {
        return Collections.unmodifiableList(problems);
    }

    /** Waits until a result for sampleId arrived; returns the first, or null after timeoutMs. */
    Received await(String sampleId, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            List<Received> r = results(sampleId);
            if (!r.isEmpty()) {
                return r.get(0);
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        long now = System.nanoTime();
        MqttProperties p = message.getProperties();
        String corr = p == null || p.getCorrelationData() == null ? null
                : new String(p.getCorrelationData(), StandardCharsets.UTF_8);
        JsonNode json;
        try {
            json = JSON.readTree(message.getPayload());
        } catch (IOException e) {
            problems.add("result on " + topic + " is not JSON: " + e.getMessage() + ": "
                    + new String(message.getPayload(), StandardCharsets.UTF_8));
            return;
        }
        if (json == null || !json.isObject()) {
            problems.add("result on " + topic + " is not a JSON object: " + json);
            return;
        }
        Received r = new Received(topic, json, corr, p == null ? null : p.getContentType(), now);
        all.add(r);
        String id = r.sampleId();
        bySample.computeIfAbsent(id == null ? "<no sampleId>" : id, k -> new CopyOnWriteArrayList<>()).add(r);
        listener.accept(r);
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        problems.add("device " + deviceId + " disconnected: " + response);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        problems.add("device " + deviceId + " MQTT error: " + exception);
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
        } catch (MqttException ignored) {
            // best effort
        }
        try {
            client.close();
        } catch (MqttException ignored) {
            // best effort
        }
    }

    /** TCP_NODELAY: without it a QoS 1 round trip on loopback takes tens of milliseconds (Nagle + delayed ACK). */
    private static final class NoDelaySocketFactory extends SocketFactory {
        private final SocketFactory d = SocketFactory.getDefault();

        private static Socket nd(Socket s) throws IOException {
            s.setTcpNoDelay(true);
            return s;
        }

        @Override
        public Socket createSocket() throws IOException {
            return nd(d.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return nd(d.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return nd(d.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return nd(d.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return nd(d.createSocket(address, port, localAddress, localPort));
        }
    }
}
