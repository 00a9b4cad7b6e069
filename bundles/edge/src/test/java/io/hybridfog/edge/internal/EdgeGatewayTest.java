package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitPoint;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.Tensor;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.cloud.internal.CloudWorker;
import io.hybridfog.cloud.internal.CloudWorkerSettings;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.codec.TensorCodec;
import io.hybridfog.config.SettingException;
import io.hybridfog.edge.GatewayMetrics;
import io.hybridfog.mqtt.testing.InMemoryMessageBus;
import io.hybridfog.policy.EntropyPolicy;
import io.hybridfog.policy.MaxSoftmaxPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Gateway logic on an in-memory bus with fake partitions; the cloud side is the real CloudWorker. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EdgeGatewayTest {
    private final InMemoryMessageBus bus = new InMemoryMessageBus();
    private final BlockingQueue<BusMessage> results = new LinkedBlockingQueue<>();
    private final List<EdgePartition> edges = new CopyOnWriteArrayList<>();
    private final List<ExitPolicy> policies = List.of(new EntropyPolicy(), new MaxSoftmaxPolicy());
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private TestModels.FakeEdge edge;

    @BeforeEach
    void setUp() throws Exception {
        edge = new TestModels.FakeEdge("m", "1.0.0");
        edges.add(edge);
        bus.subscribe("hybridfog/results/+", results::add);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        bus.close();
    }

    private EdgeGateway gateway(GatewaySettings settings) throws Exception {
        EdgeGateway g = new EdgeGateway(bus, () -> edges, () -> policies, new TestModels.Energy(), settings);
        g.start();
        toClose.add(g);
        return g;
    }

    private void cloud(String version) throws Exception {
        CloudWorker w = new CloudWorker(bus, () -> List.of(new TestModels.FakeCloud("m", version)), CloudWorkerSettings.defaults());
        w.start();
        toClose.add(0, w);
    }

    private void sample(String device, String sampleId, byte[] payload, Map<String, String> props) {
        bus.publish(new BusMessage("hybridfog/samples/" + device, payload, null,
                sampleId == null ? null : sampleId.getBytes(UTF_8), null, props));
    }

    private InferenceResult result(String expectedSampleId) throws Exception {
        BusMessage m = results.poll(5, TimeUnit.SECONDS);
        assertNotNull(m, "no result for " + expectedSampleId);
        InferenceResult r = ResultCodec.fromJson(m.payload());
        assertEquals(expectedSampleId, r.sampleId());
        assertEquals("application/json", m.contentType());
        assertEquals("hybridfog/results/" + r.deviceId(), m.topic());
        if (expectedSampleId != null) {
            assertArrayEquals(expectedSampleId.getBytes(UTF_8), m.correlationData());
        }
        assertTrue(r.latencyMs() > 0, "latency " + r.latencyMs());
        return r;
    }

    @Test
    void confidentSampleExitsAtTheEdge() throws Exception {
        EdgeGateway g = gateway(GatewaySettings.of("gw-1", "m"));
        sample("dev-1", "s-1", TestModels.pixels(255), Map.of());
        InferenceResult r = result("s-1");
        assertEquals("dev-1", r.deviceId());
        assertEquals(ExitPoint.EDGE, r.exit());
        assertEquals(7, r.predictedClass());
        assertEquals("c7", r.label());
        assertEquals("m", r.model());
        assertEquals("1.0.0", r.modelVersion());
        assertTrue(r.confidence() > 0.99);
        assertTrue(r.entropyNats() < 0.01);
        assertEquals(470, r.energyPj(), 1e-9);
        assertEquals(7400, r.referenceEnergyPj(), 1e-9);
        assertEquals(0, r.offloadBytes());
        assertNull(r.error());
        assertTrue(bus.published().stream().noneMatch(m -> m.topic().startsWith("hybridfog/offload/")));
        GatewayMetrics.Snapshot s = g.metrics().snapshot();
        assertEquals(1, s.samples());
        assertEquals(1, s.edgeExits());
        assertEquals(0, s.offloads());
        // the per-stage CPU breakdown bench prints: every stage reported, the sample's decode and edge run counted
        Map<GatewayMetrics.Stage, Long> stages = g.metrics().stageCpuNanos();
        assertEquals(java.util.EnumSet.allOf(GatewayMetrics.Stage.class), stages.keySet());
        assertTrue(stages.get(GatewayMetrics.Stage.DECODE) + stages.get(GatewayMetrics.Stage.EDGE) > 0);
        g.metrics().reset();
        assertTrue(g.metrics().stageCpuNanos().values().stream().allMatch(n -> n == 0));
    }

    @Test
    void uncertainSampleIsOffloadedAsBinaryFeaturesAndAnsweredByTheCloud() throws Exception {
        cloud("1.0.0");
        EdgeGateway g = gateway(GatewaySettings.of("gw-1", "m"));
        sample("dev-2", "s-2", TestModels.pixels(0), Map.of());
        InferenceResult r = result("s-2");
        assertEquals(ExitPoint.CLOUD, r.exit(), String.valueOf(r));
        assertEquals(3, r.predictedClass());
        assertEquals("c3", r.label());
        double expectedConfidence = Math.exp(5) / (Math.exp(5) + 9);
        assertEquals(expectedConfidence, r.confidence(), 1e-9, "confidence from the cloud softmax");
        assertEquals(Math.log(10), r.entropyNats(), 1e-6, "entropy of the early exit");
        assertEquals(470 + 1850, r.energyPj(), 1e-9);
        BusMessage offload = bus.published().stream().filter(m -> m.topic().equals("hybridfog/offload/m")).findFirst().orElseThrow();
        assertEquals("hybridfog/offload-replies/gw-1", offload.responseTopic());
        assertEquals("application/vnd.hybridfog.tensor", offload.contentType());
        TensorCodec.Decoded f = TensorCodec.decode(offload.payload(), 100);
        assertEquals(TensorCodec.Encoding.BINARY, f.header().encoding());
        assertEquals("m", f.header().model());
        assertEquals("1.0.0", f.header().modelVersion());
        assertArrayEquals(new long[] {1, 4}, f.header().shape());
        assertEquals(offload.payload().length, r.offloadBytes());
        assertEquals(TensorCodec.encodedSize(new long[] {1, 4}, TensorCodec.Encoding.BINARY, "m", "1.0.0"), r.offloadBytes());
        GatewayMetrics.Snapshot s = g.metrics().snapshot();
        assertEquals(1, s.offloads());
        assertEquals(1, s.cloudResults());
        assertEquals(0, s.pendingOffloads());
    }

    @Test
    void noCloudMeansTheEarlyExitAnswersAfterTheTimeoutFlaggedAsFallback() throws Exception {
        EdgeGateway g = gateway(GatewaySettings.of("gw-1", "m").withLimits(300, 2, 100, 1 << 20));
        sample("dev-3", "s-3", TestModels.pixels(0), Map.of());
        InferenceResult r = result("s-3");
        assertNull(r.error(), r.errorMessage());
        assertEquals(ExitPoint.EDGE_FALLBACK, r.exit());
        assertTrue(r.latencyMs() >= 300, "latency " + r.latencyMs());
        assertTrue(r.confidence() > 0 && r.confidence() <= 1, "confidence " + r.confidence());
        assertTrue(r.offloadBytes() > 0);
        assertEquals(1, g.metrics().snapshot().fallbacks());
    }

    @Test
    void aRedeliveredSampleIsAnsweredOnceAndTheSameIdFromAnotherDeviceIsItsOwnSample() throws Exception {
        cloud("1.0.0");
        EdgeGateway g = gateway(GatewaySettings.of("gw-1", "m"));
        sample("dev-d", "same-id", TestModels.pixels(1), Map.of());
        sample("dev-d", "same-id", TestModels.pixels(1), Map.of()); // QoS 1 redelivery
        sample("dev-e", "same-id", TestModels.pixels(1), Map.of());
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            topics.add(results.poll(10, TimeUnit.SECONDS).topic());
        }
        assertNull(results.poll(500, TimeUnit.MILLISECONDS), "a redelivered sample must not be answered twice");
        assertEquals(List.of("hybridfog/results/dev-d", "hybridfog/results/dev-e"), topics.stream().sorted().toList());
        GatewayMetrics.Snapshot s = g.metrics().snapshot();
        assertEquals(2, s.samples());
        assertEquals(1, s.duplicates());
    }

    @Test
    void withFallbackErrorNoCloudMeansOffloadFailedAfterTheTimeout() throws Exception {
        gateway(GatewaySettings.of("gw-1", "m").withLimits(300, 2, 100, 1 << 20).withOffloadFallback(false));
        sample("dev-3", "s-3", TestModels.pixels(0), Map.of());
        InferenceResult r = result("s-3");
        assertEquals(ErrorCode.OFFLOAD_FAILED, r.error());
        assertTrue(r.errorMessage().contains("within 300 ms"), r.errorMessage());
        assertTrue(r.latencyMs() >= 300, "latency " + r.latencyMs());
        assertEquals("1.0.0", r.modelVersion());
        assertTrue(r.offloadBytes() > 0);
    }

    @Test
    void cloudVersionMismatchBecomesUnknownModelWithTheCloudsReason() throws Exception {
        cloud("2.0.0");
        gateway(GatewaySettings.of("gw-1", "m"));
        sample("dev-4", "s-4", TestModels.pixels(0), Map.of());
        InferenceResult r = result("s-4");
        assertEquals(ErrorCode.UNKNOWN_MODEL, r.error());
        assertTrue(r.errorMessage().contains("version 1.0.0") && r.errorMessage().contains("[2.0.0]"), r.errorMessage());
    }

    @Test
    void offloadThatCannotBePublishedFailsAtOnce() throws Exception {
        bus.failPublishesTo(t -> t.startsWith("hybridfog/offload/"));
        gateway(GatewaySettings.of("gw-1", "m").withOffloadFallback(false));
        sample("dev-5", "s-5", TestModels.pixels(0), Map.of());
        InferenceResult r = result("s-5");
        assertEquals(ErrorCode.OFFLOAD_FAILED, r.error());
        assertTrue(r.errorMessage().contains("cannot send the offload request"), r.errorMessage());
        assertTrue(r.latencyMs() < 1000);
    }

    @Test
    void anOffloadAboveTheBrokersMaximumPacketSizeIsAClearErrorNotAFallback() throws Exception {
        bus.failPublishesTo(t -> t.startsWith("hybridfog/offload/"),
                t -> new io.hybridfog.api.transport.PacketTooLargeException(t, 70_000, 65_536));
        gateway(GatewaySettings.of("gw-1", "m"));
        sample("dev-6", "s-6", TestModels.pixels(0), Map.of());
        InferenceResult r = result("s-6");
        assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, r.error());
        assertTrue(r.errorMessage().contains("70000-byte MQTT packet") && r.errorMessage().contains("65536"), r.errorMessage());
    }

    @Test
    void malformedCloudRepliesAreOffloadFailures() throws Exception {
        gateway(GatewaySettings.of("gw-1", "m"));
        // a fake cloud that answers with logits of another version, then with the wrong shape
        List<byte[]> answers = new CopyOnWriteArrayList<>(List.of(
                TensorCodec.encode(new Tensor(new long[] {1, 10}, new float[10]), TensorCodec.Encoding.FLOAT32, "m", "0.9.0"),
                TensorCodec.encode(new Tensor(new long[] {1, 9}, new float[9]), TensorCodec.Encoding.FLOAT32, "m", "1.0.0"),
                "{\"error\":\"INTERNAL\",\"message\":\"gpu on fire\"}".getBytes(UTF_8)));
        bus.subscribe("hybridfog/offload/+", req -> bus.publish(new BusMessage(req.responseTopic(), answers.remove(0), null,
                req.correlationData(), null, Map.of())));
        sample("d", "a", TestModels.pixels(0), Map.of());
        assertTrue(result("a").errorMessage().contains("cloud replied for m:0.9.0"));
        sample("d", "b", TestModels.pixels(0), Map.of());
        assertTrue(result("b").errorMessage().contains("shape [1, 9]"));
        sample("d", "c", TestModels.pixels(0), Map.of());
        InferenceResult c = result("c");
        assertEquals(ErrorCode.OFFLOAD_FAILED, c.error());
        assertTrue(c.errorMessage().contains("INTERNAL: gpu on fire"), c.errorMessage());
    }

    @Test
    void badSamplesGetTheirErrorAndTheGatewayKeepsServing() throws Exception {
        gateway(GatewaySettings.of("gw-1", "m").withLimits(5000, 2, 100, 4000));
        sample("d", null, TestModels.pixels(255), Map.of());
        InferenceResult missing = result(null);
        assertEquals(ErrorCode.MISSING_SAMPLE_ID, missing.error());
        assertEquals("d", missing.deviceId());
        bus.publish(new BusMessage("hybridfog/samples/d", TestModels.pixels(255), null, new byte[] {(byte) 0xff, (byte) 0xfe}, null, Map.of()));
        assertEquals(ErrorCode.MISSING_SAMPLE_ID, result(null).error());

        sample("d", "u", TestModels.pixels(255), Map.of("model", "nope"));
        InferenceResult unknown = result("u");
        assertEquals(ErrorCode.UNKNOWN_MODEL, unknown.error());
        assertTrue(unknown.errorMessage().contains("'nope'") && unknown.errorMessage().contains("[m:1.0.0]"), unknown.errorMessage());
        assertNull(unknown.model());

        sample("d", "r", "random bytes".getBytes(UTF_8), Map.of());
        assertEquals(ErrorCode.MALFORMED_PAYLOAD, result("r").error());
        sample("d", "big", new byte[4001], Map.of());
        assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, result("big").error());
        float[] nan = new float[28 * 28];
        nan[5] = Float.NaN;
        sample("d", "nan", TensorCodec.encode(new Tensor(new long[] {1, 1, 28, 28}, nan), TensorCodec.Encoding.FLOAT32, null, null), Map.of());
        assertEquals(ErrorCode.NON_FINITE_VALUES, result("nan").error());
        sample("d", "shape", TensorCodec.encode(new Tensor(new long[] {1, 27, 28}, new float[27 * 28]), TensorCodec.Encoding.UINT8, null, null), Map.of());
        InferenceResult shape = result("shape");
        assertEquals(ErrorCode.WRONG_SHAPE, shape.error());
        assertEquals("m", shape.model(), "model fields are set once a model was chosen");

        edge.failure = new IllegalStateException("native crash simulation");
        sample("d", "boom", TestModels.pixels(255), Map.of());
        InferenceResult internal = result("boom");
        assertEquals(ErrorCode.INTERNAL, internal.error());
        assertTrue(internal.errorMessage().contains("native crash simulation"));
        edge.failure = null;

        sample("d", "ok", TestModels.pixels(255), Map.of());
        assertEquals(ExitPoint.EDGE, result("ok").exit());
    }

    @Test
    void fullQueueAnswersOverloadedAtOnceAndEverySampleGetsOneResult() throws Exception {
        fullQueue(1);
    }

    /** With batching the queue bounds the samples not yet taken by a worker the same way; the 2 queued run as one batch. */
    @Test
    void fullQueueWithBatchingAnswersOverloadedAtOnceAndRunsTheQueuedSamplesAsOneBatch() throws Exception {
        fullQueue(16);
        assertEquals(List.of(1, 2), edge.batchSizes);
        assertEquals(new GatewayMetrics.Batches(2, 3), gatewayUnderTest.metrics().edgeBatches());
    }

    private EdgeGateway gatewayUnderTest;

    /**
     * Queued samples run as one batch; a malformed one among them is answered with its own error before the batch
     * runs, an unknown model's likewise, and a batch that fails runs its samples one by one, each answered once.
     */
    @Test
    void queuedSamplesRunAsOneBatchEachWithItsOwnDecisionAndErrorsStayPerSample() throws Exception {
        cloud("1.0.0");
        CountDownLatch gate = new CountDownLatch(1);
        edge.gate = gate;
        EdgeGateway g = gateway(GatewaySettings.of("gw-1", "m").withLimits(5000, 1, 100, 1 << 20).withBatching(16, 0));
        sample("d", "first", TestModels.pixels(255), Map.of());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (edge.entered.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        sample("d", "bright", TestModels.pixels(255), Map.of());
        sample("d", "junk", "random bytes".getBytes(UTF_8), Map.of());
        sample("d", "dark", TestModels.pixels(0), Map.of());
        sample("d", "unknown", TestModels.pixels(255), Map.of("model", "nope"));
        sample("d", "bright2", TestModels.pixels(200), Map.of());
        bus.awaitDelivered(5000);
        gate.countDown();
        Map<String, InferenceResult> got = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            BusMessage m = results.poll(5, TimeUnit.SECONDS);
            assertNotNull(m, "result " + i);
            InferenceResult r = ResultCodec.fromJson(m.payload());
            assertNull(got.put(r.sampleId(), r), "one result per sample");
        }
        assertEquals(ExitPoint.EDGE, got.get("first").exit());
        assertEquals(ExitPoint.EDGE, got.get("bright").exit());
        assertEquals(7, got.get("bright").predictedClass());
        assertEquals(ExitPoint.CLOUD, got.get("dark").exit(), "its own decision: uniform exit logits offload");
        assertEquals(3, got.get("dark").predictedClass());
        assertEquals(ExitPoint.EDGE, got.get("bright2").exit());
        assertEquals(ErrorCode.MALFORMED_PAYLOAD, got.get("junk").error());
        assertEquals(ErrorCode.UNKNOWN_MODEL, got.get("unknown").error());
        assertEquals(List.of(1, 3), edge.batchSizes);
        assertEquals(new GatewayMetrics.Batches(2, 4), g.metrics().edgeBatches());

        // a batch that fails runs its samples one by one
        edge.failBatches = true;
        CountDownLatch gate2 = new CountDownLatch(1);
        edge.gate = gate2;
        int before = edge.entered.get();
        sample("d", "x0", TestModels.pixels(255), Map.of());
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (edge.entered.get() == before && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        sample("d", "x1", TestModels.pixels(255), Map.of());
        sample("d", "x2", TestModels.pixels(0), Map.of());
        bus.awaitDelivered(5000);
        gate2.countDown();
        for (int i = 0; i < 3; i++) {
            BusMessage m = results.poll(5, TimeUnit.SECONDS);
            assertNotNull(m, "result x" + i);
            InferenceResult r = ResultCodec.fromJson(m.payload());
            assertNull(got.put(r.sampleId(), r), "one result per sample");
            assertNull(r.error(), r.sampleId() + ": " + r.errorMessage());
        }
        assertNull(results.poll(200, TimeUnit.MILLISECONDS), "one result per sample");
        assertEquals(ExitPoint.EDGE, got.get("x1").exit());
        assertEquals(ExitPoint.CLOUD, got.get("x2").exit());
        assertEquals(List.of(1, 3, 1, 2, 1, 1), edge.batchSizes);
    }

    @Test
    void batchSettingsAreParsedAndChecked() {
        Map<String, Object> base = Map.of("gateway.id", "g", "model", "m");
        GatewaySettings defaults = GatewaySettings.parse(base);
        assertEquals(GatewaySettings.DEFAULT_MAX_BATCH_SIZE, defaults.maxBatchSize());
        assertEquals(0, defaults.maxBatchWaitMs());
        Map<String, Object> set = new HashMap<>(base);
        set.put("max.batch.size", "64");
        set.put("max.batch.wait.ms", "3");
        assertEquals(64, GatewaySettings.parse(set).maxBatchSize());
        assertEquals(3, GatewaySettings.parse(set).maxBatchWaitMs());
        set.put("max.batch.size", "0");
        assertEquals("max.batch.size", org.junit.jupiter.api.Assertions.assertThrows(SettingException.class,
                () -> GatewaySettings.parse(set)).key());
        set.put("max.batch.size", "4");
        set.put("max.batch.wait.ms", "-1");
        assertEquals("max.batch.wait.ms", org.junit.jupiter.api.Assertions.assertThrows(SettingException.class,
                () -> GatewaySettings.parse(set)).key());
    }

    private void fullQueue(int maxBatch) throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        edge.gate = gate;
        EdgeGateway g = gateway(GatewaySettings.of("gw-1", "m").withLimits(5000, 1, 2, 1 << 20).withBatching(maxBatch, 0));
        gatewayUnderTest = g;
        sample("d", "q0", TestModels.pixels(255), Map.of());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (edge.entered.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1); // q0 is running (held at the gate) before the others arrive
        }
        assertEquals(1, edge.entered.get());
        for (int i = 1; i < 6; i++) {
            sample("d", "q" + i, TestModels.pixels(255), Map.of()); // 1 running + 2 queued, 3 overloaded
        }
        List<InferenceResult> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            got.add(ResultCodec.fromJson(results.poll(5, TimeUnit.SECONDS).payload()));
        }
        assertTrue(got.stream().allMatch(r -> r.error() == ErrorCode.OVERLOADED), String.valueOf(got));
        gate.countDown();
        for (int i = 0; i < 3; i++) {
            got.add(ResultCodec.fromJson(results.poll(5, TimeUnit.SECONDS).payload()));
        }
        assertNull(results.poll(200, TimeUnit.MILLISECONDS), "one result per sample");
        assertEquals(6, got.stream().map(InferenceResult::sampleId).distinct().count());
        assertEquals(3, got.stream().filter(r -> r.exit() == ExitPoint.EDGE).count());
        assertEquals(Map.of(ErrorCode.OVERLOADED, 3L), g.metrics().snapshot().errors());
    }

    @Test
    void newestVersionOfTheRequestedModelRuns() throws Exception {
        edges.add(new TestModels.FakeEdge("m", "1.10.0"));
        edges.add(new TestModels.FakeEdge("m", "1.9.3"));
        edges.add(new TestModels.FakeEdge("other", "7.0"));
        gateway(GatewaySettings.of("gw-1", "m"));
        sample("d", "v", TestModels.pixels(255), Map.of());
        assertEquals("1.10.0", result("v").modelVersion());
        sample("d", "o", TestModels.pixels(255), Map.of("model", "other"));
        InferenceResult other = result("o");
        assertEquals("other", other.model());
        assertEquals("7.0", other.modelVersion());
    }

    @Test
    void configuredPolicyAndThresholdOverrideTheModels() throws Exception {
        // max-softmax with threshold 0.05: even uniform logits (p = 0.1) exit
        gateway(GatewaySettings.of("gw-1", "m").withExit("max-softmax", 0.05));
        sample("d", "x", TestModels.pixels(0), Map.of());
        InferenceResult r = result("x");
        assertEquals(ExitPoint.EDGE, r.exit(), String.valueOf(r));
        assertEquals(Math.log(10), r.entropyNats(), 1e-6);
    }

    @Test
    void exitConfigurationIsCheckedAtActivation() {
        GatewaySettings s = GatewaySettings.of("gw-1", "m");
        EdgeGatewayComponent.checkExitConfiguration(s, policies, edges);
        SettingException unknown = org.junit.jupiter.api.Assertions.assertThrows(SettingException.class,
                () -> EdgeGatewayComponent.checkExitConfiguration(s.withExit("nope", null), policies, edges));
        assertEquals("exit.policy", unknown.key());
        assertTrue(unknown.getMessage().contains("[entropy, max-softmax]"), unknown.getMessage());
        SettingException threshold = org.junit.jupiter.api.Assertions.assertThrows(SettingException.class,
                () -> EdgeGatewayComponent.checkExitConfiguration(s.withExit("max-softmax", null), policies, edges));
        assertEquals("exit.threshold", threshold.key());
        EdgeGatewayComponent.checkExitConfiguration(s.withExit("max-softmax", 0.9), policies, edges);
        EdgeGatewayComponent.checkExitConfiguration(s.withExit("entropy", null), policies, edges);
        EdgeGatewayComponent.checkExitConfiguration(s.withExit("max-softmax", null), policies, List.of()); // model not installed yet
    }

    @Test
    void missingThresholdForAModelInstalledLaterIsAnInternalErrorNamingTheKey() throws Exception {
        gateway(GatewaySettings.of("gw-1", "m").withExit("max-softmax", null));
        sample("d", "t", TestModels.pixels(255), Map.of());
        InferenceResult r = result("t");
        assertEquals(ErrorCode.INTERNAL, r.error());
        assertTrue(r.errorMessage().contains("exit.threshold"), r.errorMessage());
    }

    @Test
    void settingsDefaultsAndErrorsNameTheKey() {
        Map<String, Object> p = new HashMap<>(Map.of("gateway.id", "gw-7", "model", "m"));
        GatewaySettings s = GatewaySettings.parse(p);
        assertEquals("hybridfog/samples/+", s.samplesTopic());
        assertEquals("hybridfog/results/", s.resultsTopicPrefix());
        assertEquals("hybridfog/offload/", s.offloadTopicPrefix());
        assertEquals("hybridfog/offload-replies/gw-7", s.repliesTopic());
        assertNull(s.exitPolicy());
        assertNull(s.exitThreshold());
        assertEquals(5000, s.offloadTimeoutMs());
        assertEquals(2, s.workers());
        assertEquals(1000, s.queueCapacity());
        assertEquals(1 << 20, s.maxPayloadBytes());
        assertEquals(0.7, GatewaySettings.parse(with(p, "exit.threshold", "0.7")).exitThreshold());
        assertKey("gateway.id", with(p, "gateway.id", "a/b"));
        assertKey("gateway.id", with(p, "gateway.id", ""));
        assertKey("model", with(p, "model", null));
        assertKey("samples.topic", with(p, "samples.topic", "a/#/b"));
        assertKey("results.topic.prefix", with(p, "results.topic.prefix", "r/+/"));
        assertKey("exit.threshold", with(p, "exit.threshold", "high"));
        assertKey("exit.threshold", with(p, "exit.threshold", "NaN"));
        assertKey("offload.timeout.ms", with(p, "offload.timeout.ms", 0));
        assertKey("workers", with(p, "workers", "two"));
        assertKey("queue.capacity", with(p, "queue.capacity", -5));
        assertKey("max.payload.bytes", with(p, "max.payload.bytes", 0));
        assertEquals(256L << 20, s.journalMaxBytes());
        assertEquals(64L << 20, GatewaySettings.parse(with(p, "journal.max.bytes", 64L << 20)).journalMaxBytes());
        assertKey("journal.max.bytes", with(p, "journal.max.bytes", 1000));
        assertKey("journal.max.bytes", with(p, "journal.max.bytes", 3 << 20)); // under 4 x max.payload.bytes
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    private static void assertKey(String key, Map<String, Object> props) {
        SettingException e = org.junit.jupiter.api.Assertions.assertThrows(SettingException.class, () -> GatewaySettings.parse(props));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().startsWith(key + ": "), e.getMessage());
    }
}
