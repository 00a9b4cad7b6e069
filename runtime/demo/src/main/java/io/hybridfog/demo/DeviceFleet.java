package io.hybridfog.demo;

import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.PahoMessageBus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Simulated devices: each publishes its share of the test set to {@code <samplesPrefix><deviceId>} with the
 * sample id {@code <run id>-<sample index>} as MQTT 5 correlation data (the gateway remembers answered ids for 10
 * minutes, across its restarts: ids must not repeat from one run to the next), keeps at most {@code window} samples in flight (closed loop, so
 * latency is measured without overloading the gateway), and collects the results published on
 * {@code <resultsPrefix><deviceId>}.
 */
final class DeviceFleet implements AutoCloseable {
    private final List<Device> devices = new ArrayList<>();
    private final TestSet testSet;
    private final ConcurrentHashMap<Integer, SampleOutcome> outcomes = new ConcurrentHashMap<>();
    private final AtomicInteger duplicates = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();
    /** Makes this run's sample ids differ from every earlier run's (base 36 start time in ms). */
    private final String runId = Long.toString(System.currentTimeMillis(), 36);

    DeviceFleet(String brokerUrl, int deviceCount, int window, TestSet testSet, String samplesPrefix, String resultsPrefix)
            throws IOException, InterruptedException {
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
            String id = "probe-" + runId + "-" + attempt++;
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

    /** Forgets all outcomes and counters (after a warm-up replay). Call only when nothing is in flight. */
    void reset() {
        outcomes.clear();
        sent.set(0);
        duplicates.set(0);
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
        final PahoMessageBus bus;
        final Semaphore inFlight;
        final String sampleTopic;
        final ConcurrentHashMap<String, Long> sentAt = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Boolean> probesAnswered = new ConcurrentHashMap<>();

        Device(String id, String brokerUrl, int window, String samplesPrefix, String resultsPrefix)
                throws IOException, InterruptedException {
            this.id = id;
            this.inFlight = new Semaphore(window);
            this.sampleTopic = samplesPrefix + id;
            this.bus = new PahoMessageBus(MqttBusSettings.of(brokerUrl, "hybridfog-demo-" + id + "-" + ProcessHandle.current().pid()));
            bus.start();
            if (!bus.awaitConnected(30_000)) {
                throw new IOException(id + ": could not connect to " + brokerUrl + " within 30 s");
            }
            bus.subscribe(resultsPrefix + id, this::onResult);
        }

        boolean probe(String probeId, long timeoutMs) throws InterruptedException {
            if (!publish(probeId, testSet.payload(0))) {
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
            String sampleId = runId + "-" + index;
            sentAt.put(sampleId, System.nanoTime());
            // a refused publish (broker unreachable, queue full) is retried: the sample is never dropped
            while (!publish(sampleId, testSet.payload(index))) {
                Thread.sleep(50);
            }
            sent.incrementAndGet();
        }

        private boolean publish(String sampleId, byte[] payload) throws InterruptedException {
            try {
                bus.publish(new BusMessage(sampleTopic, payload, null, sampleId.getBytes(StandardCharsets.UTF_8), null, Map.of()))
                        .get(30, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException | TimeoutException e) {
                System.err.println(id + ": publish of sample " + sampleId + " failed, retrying: " + e.getMessage());
                return false;
            }
        }

        private void onResult(BusMessage message) {
            long now = System.nanoTime();
            InferenceResult result;
            try {
                result = ResultCodec.fromJson(message.payload());
            } catch (HybridFogException e) {
                System.err.println(id + ": unreadable result: " + e.getMessage());
                return;
            }
            byte[] corr = message.correlationData();
            String sampleId = corr != null ? new String(corr, StandardCharsets.UTF_8) : result.sampleId();
            if (sampleId == null) {
                return;
            }
            if (sampleId.startsWith("probe-")) {
                probesAnswered.put(sampleId, !result.isError());
                return;
            }
            Long start = sentAt.remove(sampleId);
            if (start == null) {
                duplicates.incrementAndGet();
                return;
            }
            inFlight.release();
            int index;
            try {
                index = Integer.parseInt(sampleId.substring(sampleId.lastIndexOf('-') + 1));
            } catch (NumberFormatException e) {
                System.err.println(id + ": result for an unknown sample id " + sampleId);
                return;
            }
            outcomes.put(index, new SampleOutcome(index, testSet.label(index), result.predictedClass(),
                    result.exit() == null ? null : result.exit().name(), result.error() == null ? null : result.error().name(),
                    (now - start) / 1e6, result.energyPj(), result.referenceEnergyPj(), result.offloadBytes()));
        }

        void close() {
            bus.close();
        }
    }

    static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
