package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitDecision;
import io.hybridfog.api.ExitPoint;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.cloud.internal.CloudWorker;
import io.hybridfog.cloud.internal.CloudWorkerSettings;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.codec.SampleDecoder;
import io.hybridfog.codec.Softmax;
import io.hybridfog.codec.TensorCodec;
import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.MqttClientBus;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import io.hybridfog.onnx.OnnxCloudPartition;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.policy.EntropyPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Edge gateway + cloud workers + devices in one JVM, each with its own MQTT connection to a private Mosquitto,
 * with the real Fashion-MNIST ONNX partitions and the PNGs in models/fashion-mnist/png. Every expected value is
 * computed directly (same PNG decoded, same partitions, no MQTT), so the test checks the transport and the gateway
 * logic whatever the model's accuracy.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EdgeCloudOverMosquittoTest {
    private static final Path MODEL_DIR = Path.of(System.getProperty("hybridfog.model.dir", "../../models/fashion-mnist"));
    private static final List<ExitPolicy> POLICIES = List.of(new EntropyPolicy());

    private static MosquittoBroker broker;
    private static OnnxEdgePartition edge;
    private static OnnxCloudPartition cloud;
    private static List<Path> pngs;
    private static Map<Path, Expected> expected;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MqttClientBus device;
    private final Map<String, BlockingQueue<BusMessage>> resultsByDevice = new ConcurrentHashMap<>();

    /** What the direct computation says for one PNG. */
    record Expected(int exitClass, double exitEntropy, int cloudClass, double cloudConfidence) {
    }

    @BeforeAll
    static void startBrokerAndLoadModel() throws Exception {
        broker = MosquittoBroker.start();
        OrtEnvironment env = OnnxPartitions.sharedEnvironment();
        try (OrtSession.SessionOptions options = OnnxPartitions.sessionOptions(1)) {
            edge = OnnxPartitions.loadEdge(env, Files.readAllBytes(MODEL_DIR.resolve("edge.onnx")), options);
            cloud = OnnxPartitions.loadCloud(env, Files.readAllBytes(MODEL_DIR.resolve("cloud.onnx")), options);
        }
        try (Stream<Path> files = Files.list(MODEL_DIR.resolve("png"))) {
            pngs = files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertTrue(pngs.size() >= 4, "need test PNGs in " + MODEL_DIR.resolve("png"));
        expected = new HashMap<>();
        SampleDecoder decoder = new SampleDecoder(edge.descriptor().input(), 1 << 20);
        for (Path png : pngs) {
            EdgeOutput out = edge.run(decoder.decode(Files.readAllBytes(png)));
            ExitDecision exit = POLICIES.get(0).decide(out.exitLogits().data(), 0);
            double[] p = Softmax.probabilities(cloud.run(out.features()).data());
            int best = 0;
            for (int i = 1; i < p.length; i++) {
                best = p[i] > p[best] ? i : best;
            }
            expected.put(png, new Expected(exit.predictedClass(), exit.entropyNats(), best, p[best]));
        }
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (edge != null) {
            edge.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private MqttClientBus bus(String clientId) throws Exception {
        MqttClientBus b = MqttClientBus.start(MqttBusSettings.of(broker.url(), clientId).withConnectTimeoutS(5));
        toClose.add(0, b); // closed after the gateways and workers that use it
        assertTrue(b.awaitConnected(10_000), clientId + " did not connect:\n" + broker.log());
        return b;
    }

    private EdgeGateway gateway(GatewaySettings settings) throws Exception {
        MqttClientBus b = bus("gw-" + settings.gatewayId());
        EdgeGateway g = new EdgeGateway(b, () -> List.of(edge), () -> POLICIES, new TestModels.Energy(), settings);
        g.start();
        toClose.add(0, g);
        return g;
    }

    private CloudWorker cloudWorker(String name, CloudPartition partition) throws Exception {
        MqttClientBus b = bus("cloud-" + name);
        CloudWorker w = new CloudWorker(b, () -> List.of(partition), CloudWorkerSettings.defaults());
        w.start();
        toClose.add(0, w);
        return w;
    }

    private void devices(String... ids) throws Exception {
        device = bus("devices");
        for (String id : ids) {
            BlockingQueue<BusMessage> q = new LinkedBlockingQueue<>();
            resultsByDevice.put(id, q);
            device.subscribe("hybridfog/results/" + id, q::add);
        }
    }

    private void send(String deviceId, String sampleId, byte[] payload, Map<String, String> props) {
        device.publish(new BusMessage("hybridfog/samples/" + deviceId, payload, null,
                sampleId == null ? null : sampleId.getBytes(UTF_8), null, props));
    }

    private InferenceResult next(String deviceId) throws Exception {
        BusMessage m = resultsByDevice.get(deviceId).poll(15, TimeUnit.SECONDS);
        assertNotNull(m, "no result for device " + deviceId);
        InferenceResult r = ResultCodec.fromJson(m.payload());
        if (r.sampleId() != null) {
            assertArrayEquals(r.sampleId().getBytes(UTF_8), m.correlationData(), "correlation data = sample id");
        }
        return r;
    }

    private static GatewaySettings settings(String id, Double threshold) {
        return GatewaySettings.of(id, edge.descriptor().name()).withExit(null, threshold);
    }

    private static void assertMatches(Path png, InferenceResult r, ExitPoint exit) {
        Expected e = expected.get(png);
        assertNull(r.error(), () -> png + ": " + r.errorMessage());
        assertEquals(exit, r.exit(), png.toString());
        assertEquals(edge.descriptor().name(), r.model());
        assertEquals(edge.descriptor().version(), r.modelVersion());
        assertEquals(e.exitEntropy(), r.entropyNats(), 1e-6, "exit entropy of " + png);
        int cls = exit == ExitPoint.EDGE ? e.exitClass() : e.cloudClass();
        assertEquals(cls, r.predictedClass(), png.toString());
        assertEquals(edge.descriptor().labels().get(cls), r.label());
        if (exit == ExitPoint.CLOUD) {
            assertEquals(e.cloudConfidence(), r.confidence(), 1e-9, "cloud confidence of " + png);
            assertTrue(r.offloadBytes() > 0 && r.offloadBytes() < 128 * 7 * 7 / 8 + 100, "bit-packed: " + r.offloadBytes());
            assertTrue(r.energyPj() > 0 && r.energyPj() < r.referenceEnergyPj(), "energy " + r.energyPj());
        } else {
            assertEquals(0, r.offloadBytes());
        }
        assertTrue(r.latencyMs() > 0 && r.latencyMs() < 10_000, "latency " + r.latencyMs());
    }

    @Test
    void hugeThresholdAnswersEverythingAtTheEdgeAndZeroEverythingInTheSharedCloud() throws Exception {
        devices("dev-a");
        CloudWorker w1 = cloudWorker("w1", cloud);
        CloudWorker w2 = cloudWorker("w2", cloud);
        EdgeGateway edgeOnly = gateway(settings("gw-huge", 1e9));
        for (int i = 0; i < pngs.size(); i++) {
            send("dev-a", "huge-" + i, Files.readAllBytes(pngs.get(i)), Map.of());
            InferenceResult r = next("dev-a");
            assertEquals("huge-" + i, r.sampleId());
            assertEquals("dev-a", r.deviceId());
            assertMatches(pngs.get(i), r, ExitPoint.EDGE);
        }
        assertEquals(pngs.size(), edgeOnly.metrics().snapshot().edgeExits());
        edgeOnly.close();

        EdgeGateway cloudOnly = gateway(settings("gw-zero", 0.0));
        for (int i = 0; i < pngs.size(); i++) {
            send("dev-a", "zero-" + i, Files.readAllBytes(pngs.get(i)), Map.of());
        }
        for (int i = 0; i < pngs.size(); i++) {
            InferenceResult r = next("dev-a");
            int index = Integer.parseInt(r.sampleId().substring("zero-".length()));
            assertMatches(pngs.get(index), r, ExitPoint.CLOUD);
        }
        assertEquals(pngs.size(), cloudOnly.metrics().snapshot().cloudResults());
        long a1 = w1.metrics().snapshot().answered();
        long a2 = w2.metrics().snapshot().answered();
        assertEquals(pngs.size(), a1 + a2, "each offload answered once");
        assertTrue(a1 > 0 && a2 > 0, "shared subscription split " + a1 + "/" + a2);
    }

    @Test
    void mixedThresholdSendsSomeToTheCloudAndEverySampleGetsExactlyOneResult() throws Exception {
        double[] entropies = pngs.stream().mapToDouble(p -> expected.get(p).exitEntropy()).sorted().toArray();
        int half = entropies.length / 2;
        double threshold = (entropies[half - 1] + entropies[half]) / 2; // entropy < threshold exits
        devices("dev-b", "dev-c");
        cloudWorker("w", cloud);
        EdgeGateway g = gateway(settings("gw-mixed", threshold));
        int rounds = 5;
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < pngs.size(); i++) {
                byte[] png = Files.readAllBytes(pngs.get(i));
                send("dev-b", "b-" + round + "-" + i, png, Map.of());
                send("dev-c", "c-" + round + "-" + i, png, Map.of());
            }
        }
        Map<String, Integer> seen = new HashMap<>();
        int edgeExits = 0;
        for (String dev : List.of("dev-b", "dev-c")) {
            for (int n = 0; n < rounds * pngs.size(); n++) {
                InferenceResult r = next(dev);
                seen.merge(r.sampleId(), 1, Integer::sum);
                Path png = pngs.get(Integer.parseInt(r.sampleId().substring(r.sampleId().lastIndexOf('-') + 1)));
                ExitPoint exit = expected.get(png).exitEntropy() < threshold ? ExitPoint.EDGE : ExitPoint.CLOUD;
                assertMatches(png, r, exit);
                edgeExits += exit == ExitPoint.EDGE ? 1 : 0;
            }
        }
        Thread.sleep(300);
        assertTrue(resultsByDevice.values().stream().allMatch(BlockingQueue::isEmpty), "a duplicate result arrived");
        assertEquals(2 * rounds * pngs.size(), seen.size());
        assertTrue(seen.values().stream().allMatch(c -> c == 1));
        assertTrue(edgeExits > 0 && edgeExits < seen.size(), "edge exits " + edgeExits + " of " + seen.size());
        var s = g.metrics().snapshot();
        assertEquals(seen.size(), s.samples());
        assertEquals(edgeExits, s.edgeExits());
        assertEquals(seen.size() - edgeExits, s.cloudResults());
        assertEquals(0, s.errorTotal());
    }

    @Test
    void malformedSamplesGetTheRightErrorAndTheGatewayKeepsServing() throws Exception {
        devices("dev-m");
        cloudWorker("w", cloud);
        GatewaySettings base = settings("gw-malformed", 1e9);
        gateway(base.withLimits(base.offloadTimeoutMs(), 2, 100, 64 * 1024));
        byte[] png = Files.readAllBytes(pngs.get(0));
        long[] input = edge.descriptor().input().shape();
        float[] nan = new float[(int) (input[0] * input[1] * input[2])];
        nan[nan.length / 2] = Float.NaN;
        byte[] random = new byte[500];
        new Random(42).nextBytes(random);

        Map<String, ErrorCode> cases = new java.util.LinkedHashMap<>();
        Map<String, byte[]> payloads = new HashMap<>();
        cases.put("truncated-png", ErrorCode.MALFORMED_PAYLOAD);
        payloads.put("truncated-png", Arrays.copyOf(png, png.length / 2));
        cases.put("random", ErrorCode.MALFORMED_PAYLOAD);
        payloads.put("random", random);
        cases.put("nan", ErrorCode.NON_FINITE_VALUES);
        payloads.put("nan", TensorCodec.encode(new Tensor(new long[] {1, input[0], input[1], input[2]}, nan),
                TensorCodec.Encoding.FLOAT32, null, null));
        cases.put("wrong-shape", ErrorCode.WRONG_SHAPE);
        payloads.put("wrong-shape", TensorCodec.encode(new Tensor(new long[] {1, input[1] - 1, input[2]},
                new float[(int) ((input[1] - 1) * input[2])]), TensorCodec.Encoding.UINT8, null, null));
        cases.put("oversized", ErrorCode.PAYLOAD_TOO_LARGE);
        payloads.put("oversized", new byte[70 * 1024]);
        cases.put("unknown-model", ErrorCode.UNKNOWN_MODEL);
        payloads.put("unknown-model", png);

        for (var c : cases.entrySet()) {
            send("dev-m", c.getKey(), payloads.get(c.getKey()),
                    c.getKey().equals("unknown-model") ? Map.of("model", "no-such-model") : Map.of());
            InferenceResult r = next("dev-m");
            assertEquals(c.getKey(), r.sampleId());
            assertEquals(c.getValue(), r.error(), c.getKey() + ": " + r.errorMessage());
            assertNotNull(r.errorMessage());
            assertNull(r.exit());
            assertEquals(-1, r.predictedClass());
        }
        send("dev-m", null, png, Map.of());
        InferenceResult missing = next("dev-m");
        assertEquals(ErrorCode.MISSING_SAMPLE_ID, missing.error());
        assertEquals("dev-m", missing.deviceId());

        send("dev-m", "still-serving", png, Map.of());
        InferenceResult ok = next("dev-m");
        assertEquals("still-serving", ok.sampleId());
        assertMatches(pngs.get(0), ok, ExitPoint.EDGE);
    }

    @Test
    void cloudWithAnotherModelVersionAnswersWithAClearError() throws Exception {
        devices("dev-v");
        cloudWorker("w-v2", new OtherVersion(cloud, "9.9.9"));
        gateway(settings("gw-version", 0.0));
        send("dev-v", "v", Files.readAllBytes(pngs.get(0)), Map.of());
        InferenceResult r = next("dev-v");
        assertEquals(ErrorCode.UNKNOWN_MODEL, r.error());
        String v = edge.descriptor().version();
        assertTrue(r.errorMessage().contains("version " + v) && r.errorMessage().contains("[9.9.9]"), r.errorMessage());
        assertEquals(v, r.modelVersion());
    }

    @Test
    void cloudDownMeansOffloadFailedAfterTheTimeout() throws Exception {
        devices("dev-t");
        GatewaySettings base = settings("gw-timeout", 0.0);
        EdgeGateway g = gateway(base.withLimits(500, 2, 100, 1 << 20).withOffloadFallback(false));
        send("dev-t", "t", Files.readAllBytes(pngs.get(0)), Map.of());
        InferenceResult r = next("dev-t");
        assertEquals(ErrorCode.OFFLOAD_FAILED, r.error(), r.errorMessage());
        assertTrue(r.errorMessage().contains("within 500 ms"), r.errorMessage());
        assertTrue(r.latencyMs() >= 500 && r.latencyMs() < 5000, "latency " + r.latencyMs());
        assertEquals(0, g.metrics().snapshot().pendingOffloads());
    }

    /** The real cloud partition presented as another version: the worker must refuse to run it. */
    private record OtherVersion(CloudPartition delegate, String version) implements CloudPartition {
        @Override
        public ModelDescriptor descriptor() {
            ModelDescriptor d = delegate.descriptor();
            return new ModelDescriptor(d.name(), version, d.labels(), d.input(), d.features(), d.exitOutput(),
                    d.featuresOutput(), d.cloudOutput(), d.macs(), d.exitPolicy());
        }

        @Override
        public Tensor run(Tensor features) throws HybridFogException {
            throw new AssertionError("a mismatched version must never run");
        }
    }
}
