package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.cloud.internal.CloudWorker;
import io.hybridfog.cloud.internal.CloudWorkerSettings;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.mqtt.MqttClientBus;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import io.hybridfog.mqtt.testing.SecureDeployment;
import io.hybridfog.onnx.OnnxCloudPartition;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.policy.EntropyPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * What the fault tests share: a gateway and a cloud worker with the real Fashion-MNIST partitions, each on its own
 * persistent MQTT 5 session to the given Mosquitto, and one device that publishes the committed PNGs and counts, per
 * sample id, the results it receives. The device publishes each sample once and never retries. Everything connects
 * over TLS with its own account, under the ACL of config/mosquitto ({@link SecureDeployment}): start the broker
 * with {@link #secureBroker}. The gateway keeps its journal in a temporary folder, so it can be restarted.
 */
final class FaultHarness implements AutoCloseable {
    static final Path MODEL_DIR = Path.of(System.getProperty("hybridfog.model.dir", "../../models/fashion-mnist"));
    private static final List<ExitPolicy> POLICIES = List.of(new EntropyPolicy());
    private static final String DEVICE = "dev-fault";
    private static final String GATEWAY_ID = "gateway-1"; // the ACL lets the gateway account read its replies only

    /** A broker secured as config/mosquitto (TLS, accounts, ACL), with {@code extraConfig} lines. */
    static MosquittoBroker secureBroker(String... extraConfig) throws java.io.IOException {
        return SecureDeployment.startBroker(List.of(extraConfig));
    }

    final MosquittoBroker broker;
    final OnnxEdgePartition edge;
    final OnnxCloudPartition cloud;
    volatile MqttClientBus gatewayBus;
    final MqttClientBus deviceBus;
    volatile EdgeGateway gateway;
    private final GatewaySettings gatewaySettings;
    private final Counts restartedCounts = new Counts();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<byte[]> pngs = new ArrayList<>();
    private CloudWorker worker;
    private MqttClientBus cloudBus;

    // what the device saw
    private final Map<String, AtomicInteger> copies = new ConcurrentHashMap<>();
    private final Map<String, byte[]> firstCopy = new ConcurrentHashMap<>();
    private final List<String> conflicting = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> byExit = new ConcurrentHashMap<>();
    private final List<String> unreadable = new CopyOnWriteArrayList<>();
    private final AtomicInteger answered = new AtomicInteger();
    private final Semaphore window;
    private final java.util.Set<String> windowed = ConcurrentHashMap.newKeySet(); // sent by stream(): hold a permit
    private int sent; // publish attempts
    private final AtomicInteger accepted = new AtomicInteger(); // acknowledged by the broker (PUBACK)
    private final AtomicInteger refused = new AtomicInteger(); // refused by the device's own client (queue full)
    private final java.util.Set<String> pendingPublish = ConcurrentHashMap.newKeySet();

    /**
     * @param exitThreshold    entropy threshold (nats) of the gateway; lower sends more samples to the cloud
     * @param offloadTimeoutMs how long an offload waits for the cloud before the early exit answers
     * @param queueCapacity    the gateway's sample queue
     * @param inFlight         samples the device has published and not yet seen answered, at most
     */
    FaultHarness(MosquittoBroker broker, double exitThreshold, long offloadTimeoutMs, int queueCapacity, int inFlight)
            throws Exception {
        this.broker = broker;
        this.window = new Semaphore(inFlight);
        try (OrtSession.SessionOptions options = OnnxPartitions.sessionOptions(1)) {
            edge = OnnxPartitions.loadEdge(OnnxPartitions.sharedEnvironment(), Files.readAllBytes(MODEL_DIR.resolve("edge.onnx")), options);
            cloud = OnnxPartitions.loadCloud(OnnxPartitions.sharedEnvironment(), Files.readAllBytes(MODEL_DIR.resolve("cloud.onnx")), options);
        }
        toClose.add(edge);
        toClose.add(cloud);
        try (Stream<Path> files = Files.list(MODEL_DIR.resolve("png"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                pngs.add(Files.readAllBytes(p));
            }
        }
        gatewaySettings = GatewaySettings.of(GATEWAY_ID, edge.descriptor().name()).withExit(null, exitThreshold)
                .withLimits(offloadTimeoutMs, 2, queueCapacity, 1 << 20)
                .withJournalDir(Files.createTempDirectory("hybridfog-journal-").toString());
        deviceBus = bus("fault-device", DEVICE);
        startCloud();
        startGateway();
        deviceBus.subscribe("hybridfog/results/" + DEVICE, this::onResult);
    }

    /** Starts the gateway (again) on its session and journal. */
    private void startGateway() throws Exception {
        gatewayBus = bus("fault-gateway", SecureDeployment.GATEWAY);
        gateway = new EdgeGateway(gatewayBus, () -> List.of(edge), () -> POLICIES, new TestModels.Energy(), gatewaySettings);
        gateway.start();
    }

    /**
     * Stops the gateway as a shutdown does (its MQTT session and journal stay), runs {@code whileDown}, and starts a
     * new gateway on the same client id and journal. The stopped gateway's counters are added to {@link #summary}.
     */
    void restartGateway(AfterPublish whileDown) throws Exception {
        gateway.close();
        restartedCounts.add(gateway.metrics().snapshot());
        gatewayBus.close();
        toClose.remove(gatewayBus);
        whileDown.run(answered.get());
        startGateway();
    }

    /** Starts a cloud worker (again) on its own session. */
    void startCloud() throws Exception {
        cloudBus = bus("fault-cloud", SecureDeployment.CLOUD);
        worker = new CloudWorker(cloudBus, () -> List.of(cloud), CloudWorkerSettings.defaults());
        worker.start();
    }

    /** Stops the cloud worker and its MQTT session (as a worker that goes away). */
    void stopCloud() {
        worker.close();
        cloudBus.close();
        toClose.remove(cloudBus);
    }

    /** Publishes {@code n} samples, keeping the in-flight limit; {@code after} runs after each publish. */
    void stream(int n, AfterPublish after) throws Exception {
        for (int i = 0; i < n; i++) {
            if (!window.tryAcquire(90, TimeUnit.SECONDS)) {
                throw new AssertionError("no result for 90 s after " + answered.get() + " answers; " + state());
            }
            windowed.add(publish());
            after.run(answered.get());
        }
    }

    /** Publishes one sample now, outside the in-flight limit; returns its sample id. */
    String publish() {
        String id = "s-" + sent;
        byte[] png = pngs.get(sent % pngs.size());
        sent++;
        pendingPublish.add(id);
        deviceBus.publish(new BusMessage("hybridfog/samples/" + DEVICE, png, null, id.getBytes(UTF_8), null, Map.of()))
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        accepted.incrementAndGet();
                    } else {
                        refused.incrementAndGet(); // never left the device: not a sample the system lost
                        if (windowed.remove(id)) {
                            window.release();
                        }
                    }
                    pendingPublish.remove(id);
                });
        return id;
    }

    /** Waits until every sample the broker accepted has an answer (or the timeout), then a second for late copies. */
    void awaitAnswers(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while ((!pendingPublish.isEmpty() || answered.get() < accepted.get()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(1000);
    }

    int answered() {
        return answered.get();
    }

    int sent() {
        return sent;
    }

    /** Publishes the device's own client refused (its bounded queue was full): they never reached the broker. */
    int refusedByDevice() {
        return refused.get();
    }

    Map<String, Integer> byExit() {
        return new TreeMap<>(byExit);
    }

    /** Sent, answered, lost, delivered twice, by exit, and the gateway's counters, for reports. */
    String summary() {
        long twice = copies.values().stream().filter(c -> c.get() > 1).count();
        return String.format("sent %d (accepted by the broker %d, refused by the device's client %d), answered %d, "
                        + "lost %d, delivered twice %d (conflicting %d), by exit %s; gateway %s", sent, accepted.get(),
                refused.get(), answered.get(), accepted.get() - answered.get(), twice, conflicting.size(), byExit(),
                restartedCounts.isEmpty() ? gateway.metrics().snapshot() : restartedCounts + " before restarts, "
                        + gateway.metrics().snapshot() + " after");
    }

    /** No sample without an answer, no sample answered twice with different results, every result readable. */
    void assertNothingLostAndOneAnswerEach() {
        String summary = summary();
        assertEquals(accepted.get(), answered.get(), "lost samples: " + summary);
        assertEquals(List.of(), conflicting, "samples answered twice with different results: " + summary);
        assertEquals(List.of(), unreadable, "unreadable results");
    }

    String state() {
        return "device " + deviceBus.publishState() + "; gateway " + gatewayBus.publishState() + " "
                + gateway.metrics().snapshot() + "\n" + broker.log();
    }

    @FunctionalInterface
    interface AfterPublish {
        void run(int answeredSoFar) throws Exception;
    }

    private void onResult(BusMessage m) {
        InferenceResult r;
        try {
            r = ResultCodec.fromJson(m.payload());
        } catch (HybridFogException e) {
            unreadable.add(e.getMessage());
            return;
        }
        byte[] first = firstCopy.putIfAbsent(r.sampleId(), m.payload());
        if (first != null && !Arrays.equals(first, m.payload())) {
            conflicting.add(r.sampleId());
        }
        if (copies.computeIfAbsent(r.sampleId(), k -> new AtomicInteger()).incrementAndGet() == 1) {
            answered.incrementAndGet();
            byExit.merge(r.isError() ? "error " + r.error() : String.valueOf(r.exit()), 1, Integer::sum);
            if (windowed.remove(r.sampleId())) {
                window.release();
            }
        }
    }

    /** Copies delivered more than once, over all samples. */
    long deliveredTwice() {
        return copies.values().stream().filter(c -> c.get() > 1).count();
    }

    /** The counters of gateways stopped by {@link #restartGateway}, summed. */
    private static final class Counts {
        private long samples;
        private long duplicates;
        private long resultsPublished;
        private int runs;

        synchronized void add(io.hybridfog.edge.GatewayMetrics.Snapshot s) {
            samples += s.samples();
            duplicates += s.duplicates();
            resultsPublished += s.resultsPublished();
            runs++;
        }

        synchronized boolean isEmpty() {
            return runs == 0;
        }

        @Override
        public synchronized String toString() {
            return runs + " earlier run(s): samples " + samples + ", duplicates " + duplicates + ", resultsPublished "
                    + resultsPublished;
        }
    }

    private MqttClientBus bus(String clientId, String account) throws Exception {
        MqttClientBus b = MqttClientBus.start(SecureDeployment.settings(broker, clientId, account).withConnectTimeoutS(5));
        toClose.add(b);
        assertTrue(b.awaitConnected(10_000), clientId + " did not connect:\n" + broker.log());
        return b;
    }

    @Override
    public void close() throws Exception {
        gateway.close();
        gatewayBus.close();
        if (worker != null) {
            worker.close();
        }
        if (cloudBus != null) {
            cloudBus.close();
        }
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }
}
