package io.hybridfog.itest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.MqttClientBus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A simulated device inside the framework: the runtime's own MQTT 5 client (MqttClientBus, over the wrapped Paho bundle),
 * publishing samples to {@code hybridfog/samples/<deviceId>} with the sample id as correlation data (QoS 1),
 * and collecting the JSON results from {@code hybridfog/results/<deviceId>}.
 */
final class Device implements AutoCloseable {
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
    // the runtime's own MessageBus (QoS 1, TCP_NODELAY), used here as a plain client
    private final MqttClientBus bus;
    private final Map<String, List<Received>> bySample = new ConcurrentHashMap<>();
    private final List<Received> all = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private volatile Consumer<Received> listener = r -> { };

    Device(String brokerUrl, String deviceId) throws IOException, InterruptedException {
        this.deviceId = deviceId;
        this.bus = MqttClientBus.start(MqttBusSettings.of(brokerUrl, "itest-device-" + deviceId));
        if (!bus.awaitConnected(15_000)) {
            bus.close();
            throw new IOException("device " + deviceId + " could not connect to " + brokerUrl);
        }
        bus.subscribe(RESULTS + deviceId, this::onMessage);
    }

    /** Called on the delivery thread for every result (e.g. to release a sending window). */
    void onResult(Consumer<Received> l) {
        this.listener = l;
    }

    /** Publishes one sample (QoS 1) and waits for the broker's PUBACK. */
    void publish(String sampleId, byte[] payload) throws Exception {
        publishAsync(sampleId, payload).get(15, TimeUnit.SECONDS);
    }

    /** Publishes one sample (QoS 1); completes on PUBACK. */
    CompletableFuture<Void> publishAsync(String sampleId, byte[] payload) {
        byte[] corr = sampleId == null ? null : sampleId.getBytes(StandardCharsets.UTF_8);
        return bus.publish(new BusMessage(SAMPLES + deviceId, payload, null, corr, null, Map.of()));
    }

    /** Results received for one sample id (JSON field sampleId), in arrival order. */
    List<Received> results(String sampleId) {
        return bySample.getOrDefault(sampleId, List.of());
    }

    List<Received> allResults() {
        return new ArrayList<>(all);
    }

    /** Messages that were not JSON objects. */
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

    private void onMessage(BusMessage message) {
        long now = System.nanoTime();
        String topic = message.topic();
        String corr = message.correlationData() == null ? null : new String(message.correlationData(), StandardCharsets.UTF_8);
        JsonNode json;
        try {
            json = JSON.readTree(message.payload());
        } catch (IOException e) {
            problems.add("result on " + topic + " is not JSON: " + e.getMessage() + ": "
                    + new String(message.payload(), StandardCharsets.UTF_8));
            return;
        }
        if (json == null || !json.isObject()) {
            problems.add("result on " + topic + " is not a JSON object: " + json);
            return;
        }
        Received r = new Received(topic, json, corr, message.contentType(), now);
        all.add(r);
        String id = r.sampleId();
        bySample.computeIfAbsent(id == null ? "<no sampleId>" : id, k -> new CopyOnWriteArrayList<>()).add(r);
        listener.accept(r);
    }

    @Override
    public void close() {
        bus.close();
    }
}
