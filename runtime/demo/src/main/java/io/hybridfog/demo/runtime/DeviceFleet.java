package io.hybridfog.demo.runtime;

import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.demo.data.TestSet;
import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.MqttClientBus;

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
 * sample id {@code <run id>-<replay number>-<sample index>} as MQTT 5 correlation data, keeps at most {@code window}
 * samples in flight (closed loop, so latency is measured without overloading the gateway), and collects the results
 * published on {@code <resultsPrefix><deviceId>}.
 * <p>
 * Sample ids never repeat, neither from one run to the next nor between two replays of one fleet (a warm-up and a
 * measurement replay the same samples): the gateway remembers the ids it has taken for 10 minutes, across its
 * restarts, and drops a repeated id without a reply (a redelivery), which would leave the device waiting forever.
 * <p>
 * No replay can hang: {@link #replay} and {@link #awaitAll} give up with a {@link StalledException} naming the
 * unanswered samples once no sample has been sent or answered for their stall timeout.
 */
public final class DeviceFleet implements AutoCloseable {
    private final List<Device> devices = new ArrayList<>();
    private final TestSet testSet;
    private final ConcurrentHashMap<Integer, SampleOutcome> outcomes = new ConcurrentHashMap<>();
    private final AtomicInteger duplicates = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();
    /** Makes this run's sample ids differ from every earlier run's (base 36 start time in ms). */
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    /** Number of the current replay, part of every sample id: a sample replayed again gets a new id. */
    private final AtomicInteger replayNumber = new AtomicInteger();
    /** {@link System#nanoTime()} of the last sample sent or answered. */
    private volatile long lastProgressNanos = System.nanoTime();

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

    /**
     * Replays samples [0, count) spread round-robin over the devices, each device keeping at most its window in
     * flight; blocks until all are sent (not answered: see {@link #awaitAll}).
     *
     * @param count          samples to send, at most the test set's size
     * @param stallTimeoutMs milliseconds without any sample sent or answered after which the replay stops
     * @throws StalledException    nothing was sent or answered for {@code stallTimeoutMs}: the device threads are
     *                             stopped and the message names how many samples are unanswered
     * @throws InterruptedException the calling thread was interrupted (the device threads are stopped)
     */
    public void replay(int count, long stallTimeoutMs) throws InterruptedException, StalledException {
        String replayId = runId + "-" + replayNumber.incrementAndGet();
        List<Thread> threads = new ArrayList<>();
        lastProgressNanos = System.nanoTime();
        for (int d = 0; d < devices.size(); d++) {
            Device device = devices.get(d);
            int first = d;
            Thread t = new Thread(() -> {
                for (int i = first; i < count; i += devices.size()) {
                    try {
                        device.send(replayId, i);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, device.id);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        try {
            for (Thread t : threads) {
                while (t.isAlive()) {
                    t.join(100);
                    if (t.isAlive() && stalledFor() >= stallTimeoutMs) {
                        throw stalled(count, stallTimeoutMs, "while sending");
                    }
                }
            }
        } finally {
            for (Thread t : threads) {
                t.interrupt();
            }
            for (Thread t : threads) {
                t.join(5_000);
            }
        }
    }

    /**
     * Waits until samples [0, count) of the last replay are all answered (a result, error results included).
     *
     * @param count          samples replayed
     * @param timeoutMs      milliseconds to wait at most in all
     * @param stallTimeoutMs milliseconds without any sample answered after which the wait stops
     * @throws StalledException    not all answered within {@code timeoutMs}, or nothing answered for
     *                             {@code stallTimeoutMs}; the message names how many samples are unanswered
     */
    public void awaitAll(int count, long timeoutMs, long stallTimeoutMs) throws InterruptedException, StalledException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (outcomes.size() < count) {
            if (System.currentTimeMillis() >= deadline) {
                throw new StalledException(count, sent.get(), outcomes.size(), inFlight(),
                        "not all answered within " + seconds(timeoutMs));
            }
            if (stalledFor() >= stallTimeoutMs) {
                throw stalled(count, stallTimeoutMs, "waiting for the last results");
            }
            Thread.sleep(20);
        }
    }

    private long stalledFor() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastProgressNanos);
    }

    private StalledException stalled(int count, long stallTimeoutMs, String phase) {
        return new StalledException(count, sent.get(), outcomes.size(), inFlight(),
                "no sample sent or answered for " + seconds(stallTimeoutMs) + " " + phase);
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format("%.1f s", ms / 1000.0);
    }

    /** Samples published (or being published) and not answered yet, over all devices. */
    private int inFlight() {
        int n = 0;
        for (Device d : devices) {
            n += d.sentAt.size();
        }
        return n;
    }

    /**
     * A replay that stopped before every sample was answered. The message says why, how many samples are
     * unanswered, how many of those were sent (and got no result) and how many were never sent.
     */
    public static final class StalledException extends Exception {
        private final int unanswered;

        StalledException(int count, int sent, int answered, int inFlight, String why) {
            super(why + ": " + (count - answered) + " of " + count + " samples unanswered (" + inFlight
                    + " sent and waiting for their result, " + Math.max(0, count - sent) + " not sent yet)");
            this.unanswered = count - answered;
        }

        /** @return samples of the replay without a result */
        int unanswered() {
            return unanswered;
        }
    }

    /**
     * Forgets all outcomes and counters (after a warm-up replay).
     *
     * @throws IllegalStateException samples are still in flight: their late results would count in the next replay
     */
    public void reset() {
        int inFlight = inFlight();
        if (inFlight > 0) {
            throw new IllegalStateException("reset with " + inFlight + " samples in flight");
        }
        outcomes.clear();
        sent.set(0);
        duplicates.set(0);
    }

    public int sent() {
        return sent.get();
    }

    public int answered() {
        return outcomes.size();
    }

    public int duplicates() {
        return duplicates.get();
    }

    public List<SampleOutcome> outcomes() {
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
        final MqttClientBus bus;
        final Semaphore inFlight;
        final String sampleTopic;
        final ConcurrentHashMap<String, Long> sentAt = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, Boolean> probesAnswered = new ConcurrentHashMap<>();

        Device(String id, String brokerUrl, int window, String samplesPrefix, String resultsPrefix)
                throws IOException, InterruptedException {
            this.id = id;
            this.inFlight = new Semaphore(window);
            this.sampleTopic = samplesPrefix + id;
            this.bus = MqttClientBus.start(MqttBusSettings.of(brokerUrl, "hybridfog-demo-" + id + "-" + ProcessHandle.current().pid()));
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

        void send(String replayId, int index) throws InterruptedException {
            inFlight.acquire();
            String sampleId = replayId + "-" + index;
            sentAt.put(sampleId, System.nanoTime());
            // a refused publish (broker unreachable, queue full) is retried: the sample is never dropped
            while (!publish(sampleId, testSet.payload(index))) {
                Thread.sleep(50);
            }
            sent.incrementAndGet();
            lastProgressNanos = System.nanoTime();
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
            lastProgressNanos = now;
        }

        void close() {
            bus.close();
        }
    }

    public static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
