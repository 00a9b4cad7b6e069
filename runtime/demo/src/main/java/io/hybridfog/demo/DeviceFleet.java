package io.hybridfog.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Simulated devices: each publishes its share of the test set to {@code <samplesPrefix><deviceId>} with the
 * sample index as MQTT 5 correlation data, keeps at most {@code window} samples in flight (closed loop, so
 * latency is measured without overloading the gateway), and collects the results published on
 * {@code <resultsPrefix><deviceId>}.
 */
final class DeviceFleet implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Device> devices = new ArrayList<>();
    private final TestSet testSet;
    private final ConcurrentHashMap<Integer, SampleOutcome> outcomes = new ConcurrentHashMap<>();
    private final AtomicInteger duplicates = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();

    DeviceFleet(String brokerUrl, int deviceCount, int window, TestSet testSet, String samplesPrefix, String resultsPrefix)
            throws MqttException {
        this.testSet = testSet;
        for (int d = 0; d < deviceCount; d++) {
            devices.add(new Device("device-" + d, brokerUrl, window, samplesPrefix, resultsPrefix));
        }
    }

    /** Sends one probe sample until it is answered: the gateway, cloud worker and models are up. */
    boolean awaitReady(long timeoutMs) throws InterruptedException {
        Device probe = devices.get(0);
        long deadline = System.currentTimeMillis() + timeoutMs;
        int attempt = 0;
        while (System.currentTimeMillis() < deadline) {
            String id = "probe-" + attempt++;
            if (probe.probe(id, 2000)) {
                return true;
            }
        }
        return false;
    }

    /** Replays samples [0, count) spread round-robin over the devices; blocks until all are sent. */
    void replay(int count) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int d = 0; d < devices.size(); d++) {
            Device device = devices.get(d);
            int first = d;
            Thread t = new Thread(() -> {
                for (int i = first; i < count; i += devices.size()) {
                    try {
                        device.send(i);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, device.id);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /** Waits until every sent sample is answered or the timeout passes. @return true if all answered */
    boolean awaitAll(int count, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (outcomes.size() < count && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        return outcomes.size() >= count;
    }

    int sent() {
        return sent.get();
    }

    int answered() {
        return outcomes.size();
    }

    int duplicates() {
        return duplicates.get();
    }

    List<SampleOutcome> outcomes() {
        return new ArrayList<>(outcomes.values());
    }

    @Override
    public void close() {
        for (Device d : devices) {
            d.close();
        }
    }

    private final class Device {
        final String id;
        final MqttAsyncClient client;
        final Semaphore inFlight;
        final String sampleTopic;
        final ConcurrentHashMap<String, Long> sentAt = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Boolean> probesAnswered = new ConcurrentHashMap<>();

        Device(String id, String brokerUrl, int window, String samplesPrefix, String resultsPrefix) throws MqttException {
            this.id = id;
            this.inFlight = new Semaphore(window);
            this.sampleTopic = samplesPrefix + id;
            this.client = new MqttAsyncClient(brokerUrl, "hybridfog-demo-" + id + "-" + ProcessHandle.current().pid(),
                    new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setAutomaticReconnect(true);
            options.setReceiveMaximum(Math.max(window * 2, 16));
            client.connect(options).waitForCompletion(30_000);
            client.subscribe(resultsPrefix + id, 1, null, null, (topic, message) -> onResult(message))
                    .waitForCompletion(30_000);
        }

        boolean probe(String probeId, long timeoutMs) throws InterruptedException {
            try {
                publish(probeId, testSet.payload(0));
            } catch (MqttException e) {
                Thread.sleep(timeoutMs);
                return false;
            }
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (System.currentTimeMillis() < deadline) {
                Boolean ok = probesAnswered.get(probeId);
                if (ok != null) {
                    return ok;
                }
                Thread.sleep(20);
            }
            return false;
        }

        void send(int index) throws InterruptedException {
            inFlight.acquire();
            String sampleId = Integer.toString(index);
            sentAt.put(sampleId, System.nanoTime());
            while (true) {
                try {
                    publish(sampleId, testSet.payload(index));
                    sent.incrementAndGet();
                    return;
                } catch (MqttException e) {
                    // e.g. disconnected or too many in flight: the sample is not lost, retry shortly
                    Thread.sleep(20);
                }
            }
        }

        private void publish(String sampleId, byte[] payload) throws MqttException {
            MqttMessage message = new MqttMessage(payload);
            message.setQos(1);
            MqttProperties props = new MqttProperties();
            props.setCorrelationData(sampleId.getBytes(StandardCharsets.UTF_8));
            message.setProperties(props);
            IMqttToken token = client.publish(sampleTopic, message);
            token.waitForCompletion(30_000);
        }

        private void onResult(MqttMessage message) {
            long now = System.nanoTime();
            byte[] corr = message.getProperties() == null ? null : message.getProperties().getCorrelationData();
            JsonNode json;
            try {
                json = JSON.readTree(message.getPayload());
            } catch (IOException e) {
                System.err.println(id + ": unreadable result: " + e.getMessage());
                return;
            }
            String sampleId = corr != null ? new String(corr, StandardCharsets.UTF_8) : json.path("sampleId").asText(null);
            if (sampleId == null) {
                return;
            }
            if (sampleId.startsWith("probe-")) {
                probesAnswered.put(sampleId, !json.hasNonNull("error"));
                return;
            }
            Long start = sentAt.remove(sampleId);
            if (start == null) {
                duplicates.incrementAndGet();
                return;
            }
            inFlight.release();
            int index = Integer.parseInt(sampleId);
            outcomes.put(index, new SampleOutcome(index, testSet.label(index), json.path("predictedClass").asInt(-1),
                    json.path("exit").asText(null), json.path("error").asText(null),
                    (now - start) / 1e6, json.path("energyPj").asDouble(), json.path("referenceEnergyPj").asDouble(),
                    json.path("offloadBytes").asLong()));
        }

        void close() {
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
    }

    static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
