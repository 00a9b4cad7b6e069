package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.cloud.internal.CloudWorker;
import io.hybridfog.cloud.internal.CloudWorkerSettings;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.PahoMessageBus;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import io.hybridfog.onnx.OnnxCloudPartition;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.policy.EntropyPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault test: the broker (Mosquitto with persistence, as config/mosquitto runs it) is stopped and started again
 * while a device streams 10,000 real Fashion-MNIST images through a gateway and a cloud worker, all on persistent
 * MQTT 5 sessions (clean start false, session expiry 300 s). Counts samples sent, answered, never answered, and
 * delivered twice; the device publishes each sample once and never retries.
 *
 * <p>Asserted: no sample is lost, and the gateway answers each sample once: every copy a device receives of a
 * sample's result is byte-identical (QoS 1 is at least once: a result whose PUBACK was lost in the outage is
 * delivered again; devices drop a result for a sample id they have seen, docs/reliability.md).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BrokerRestartTest {
    private static final Path MODEL_DIR = Path.of(System.getProperty("hybridfog.model.dir", "../../models/fashion-mnist"));
    private static final int SAMPLES = Integer.getInteger("hybridfog.fault.samples", 10_000);
    private static final int WINDOW = 64;
    private static final List<ExitPolicy> POLICIES = List.of(new EntropyPolicy());

    @Test
    void brokerStoppedAndStartedMidStreamLosesNothingAndAnswersEachSampleOnce() throws Exception {
        Path persistence = Files.createTempDirectory("hybridfog-mosquitto-db-");
        List<AutoCloseable> toClose = new ArrayList<>();
        try (MosquittoBroker broker = MosquittoBroker.start(List.of("persistence true",
                "persistence_location " + persistence.toAbsolutePath() + "/", "autosave_interval 1"))) {
            OrtEnvironment env = OnnxPartitions.sharedEnvironment();
            OnnxEdgePartition edge;
            OnnxCloudPartition cloud;
            try (OrtSession.SessionOptions options = OnnxPartitions.sessionOptions(1)) {
                edge = OnnxPartitions.loadEdge(env, Files.readAllBytes(MODEL_DIR.resolve("edge.onnx")), options);
                cloud = OnnxPartitions.loadCloud(env, Files.readAllBytes(MODEL_DIR.resolve("cloud.onnx")), options);
            }
            toClose.add(edge);
            toClose.add(cloud);
            PahoMessageBus gatewayBus = bus(broker, "fault-gateway", toClose);
            PahoMessageBus cloudBus = bus(broker, "fault-cloud", toClose);
            PahoMessageBus deviceBus = bus(broker, "fault-device", toClose);
            CloudWorker worker = new CloudWorker(cloudBus, () -> List.of(cloud), CloudWorkerSettings.defaults());
            worker.start();
            toClose.add(0, worker);
            // about a third of the samples are offloaded, so the cloud path is exercised through the restart;
            // a generous offload timeout: the cloud answers late rather than the gateway falling back
            EdgeGateway gateway = new EdgeGateway(gatewayBus, () -> List.of(edge), () -> POLICIES, new TestModels.Energy(),
                    GatewaySettings.of("fault", edge.descriptor().name()).withExit(null, 0.05)
                            .withLimits(60_000, 2, 10_000, 1 << 20));
            gateway.start();
            toClose.add(0, gateway);

            List<byte[]> pngs = new ArrayList<>();
            try (Stream<Path> files = Files.list(MODEL_DIR.resolve("png"))) {
                for (Path p : files.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                    pngs.add(Files.readAllBytes(p));
                }
            }
            Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
            Map<String, byte[]> firstCopy = new ConcurrentHashMap<>();
            List<String> conflicting = new java.util.concurrent.CopyOnWriteArrayList<>();
            Map<String, Integer> exits = new ConcurrentHashMap<>();
            AtomicInteger answered = new AtomicInteger();
            Semaphore window = new Semaphore(WINDOW);
            List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
            deviceBus.subscribe("hybridfog/results/dev-fault", m -> {
                InferenceResult r;
                try {
                    r = ResultCodec.fromJson(m.payload());
                } catch (io.hybridfog.api.HybridFogException e) {
                    problems.add(e.getMessage());
                    return;
                }
                byte[] first = firstCopy.putIfAbsent(r.sampleId(), m.payload());
                if (first != null && !java.util.Arrays.equals(first, m.payload())) {
                    conflicting.add(r.sampleId());
                }
                if (answers.computeIfAbsent(r.sampleId(), k -> new AtomicInteger()).incrementAndGet() == 1) {
                    answered.incrementAndGet();
                    exits.merge(r.isError() ? "error " + r.error() : String.valueOf(r.exit()), 1, Integer::sum);
                    window.release();
                }
            });

            long restartAt = SAMPLES / 3;
            boolean restarted = false;
            long downMs = 0;
            for (int i = 0; i < SAMPLES; i++) {
                if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("no result for 60 s at sample " + i + " (" + answered.get() + " answered); "
                            + "device: " + deviceBus.publishState() + "; gateway: " + gatewayBus.publishState() + " "
                            + gateway.metrics().snapshot() + "; cloud: " + cloudBus.publishState() + " "
                            + worker.metrics().snapshot() + "\n" + broker.log());
                }
                String id = "s-" + i;
                deviceBus.publish(new BusMessage("hybridfog/samples/dev-fault", pngs.get(i % pngs.size()), null,
                        id.getBytes(UTF_8), null, Map.of()));
                if (!restarted && answered.get() >= restartAt) {
                    long t0 = System.nanoTime();
                    broker.stop();
                    Thread.sleep(2000);
                    broker.startAgain();
                    downMs = (System.nanoTime() - t0) / 1_000_000;
                    restarted = true;
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (answered.get() < SAMPLES && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(1000); // late duplicates would arrive now
            int duplicated = (int) answers.values().stream().filter(n -> n.get() > 1).count();
            int lost = SAMPLES - answered.get();
            String summary = String.format("broker restart (down %d ms) after %d of %d samples: answered %d, lost %d, "
                            + "delivered twice %d (identical copies; conflicting %d), by exit %s; gateway %s", downMs,
                    restartAt, SAMPLES, answered.get(), lost, duplicated, conflicting.size(), new TreeMap<>(exits),
                    gateway.metrics().snapshot());
            System.out.println(summary);
            assertTrue(restarted, "the broker was restarted");
            assertEquals(0, lost, summary);
            assertEquals(List.of(), conflicting, "samples answered twice with different results: " + summary);
            assertEquals(0, gateway.metrics().snapshot().errorTotal(), summary);
            assertEquals(List.of(), problems, "unreadable results");
        } finally {
            for (AutoCloseable c : toClose) {
                c.close();
            }
        }
    }

    private static PahoMessageBus bus(MosquittoBroker broker, String clientId, List<AutoCloseable> toClose) throws Exception {
        PahoMessageBus b = new PahoMessageBus(MqttBusSettings.of(broker.url(), clientId).withConnectTimeoutS(5));
        toClose.add(b);
        b.start();
        assertTrue(b.awaitConnected(10_000), clientId + " did not connect:\n" + broker.log());
        return b;
    }
}
