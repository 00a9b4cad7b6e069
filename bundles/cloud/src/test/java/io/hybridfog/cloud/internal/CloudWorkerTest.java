package io.hybridfog.cloud.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.Tensor;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.codec.TensorCodec;
import io.hybridfog.config.SettingException;
import io.hybridfog.mqtt.testing.InMemoryMessageBus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CloudWorkerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REPLIES = "hybridfog/offload-replies/gw-1";

    private final InMemoryMessageBus bus = new InMemoryMessageBus();
    private final BlockingQueue<BusMessage> replies = new LinkedBlockingQueue<>();
    private CloudWorker worker;

    @AfterEach
    void tearDown() {
        if (worker != null) {
            worker.close();
        }
        bus.close();
    }

    private CloudWorker start(CloudWorkerSettings settings, TestModels.FakeCloud... partitions) throws Exception {
        bus.subscribe(REPLIES, replies::add);
        worker = new CloudWorker(bus, () -> List.of(partitions), settings);
        worker.start();
        return worker;
    }

    private static byte[] features(String model, String version, float... values) {
        return TensorCodec.encode(new Tensor(new long[] {1, values.length}, values), TensorCodec.Encoding.BINARY, model, version);
    }

    private void request(byte[] payload, String correlation) {
        bus.publish(new BusMessage("hybridfog/offload/m", payload, REPLIES,
                correlation == null ? null : correlation.getBytes(UTF_8), "application/vnd.hybridfog.tensor", Map.of()));
    }

    private BusMessage reply() throws InterruptedException {
        BusMessage r = replies.poll(5, TimeUnit.SECONDS);
        assertNotNull(r, "no reply");
        return r;
    }

    private static JsonNode error(BusMessage r) throws Exception {
        assertEquals("application/json", r.contentType());
        return JSON.readTree(r.payload());
    }

    @Test
    void answersWithTheExactModelVersionAndEchoesCorrelationData() throws Exception {
        TestModels.FakeCloud v1 = new TestModels.FakeCloud("m", "1.0.0");
        TestModels.FakeCloud v2 = new TestModels.FakeCloud("m", "2.0.0");
        start(CloudWorkerSettings.defaults(), v1, v2);
        request(features("m", "1.0.0", 1, 1, -1, 1), "req-1");
        BusMessage r = reply();
        assertEquals("application/vnd.hybridfog.tensor", r.contentType());
        assertArrayEquals("req-1".getBytes(UTF_8), r.correlationData());
        TensorCodec.Decoded d = TensorCodec.decode(r.payload(), 100);
        assertEquals(TensorCodec.Encoding.FLOAT32, d.header().encoding());
        assertEquals("m", d.header().model());
        assertEquals("1.0.0", d.header().modelVersion());
        assertArrayEquals(new long[] {1, 10}, d.header().shape());
        assertEquals(5f, d.tensor().data()[3], "three +1 features -> class 3");
        assertEquals(1, v1.runs.get());
        assertEquals(0, v2.runs.get());
        assertEquals(1, worker.metrics().snapshot().answered());
    }

    @Test
    void versionMismatchIsNeverRunAndTheErrorNamesBothVersions() throws Exception {
        TestModels.FakeCloud installed = new TestModels.FakeCloud("m", "2.0.0");
        start(CloudWorkerSettings.defaults(), installed, new TestModels.FakeCloud("other", "1.0.0"));
        request(features("m", "1.0.0", 1, 1, 1, 1), "req-2");
        JsonNode e = error(reply());
        assertEquals("UNKNOWN_MODEL", e.get("error").asText());
        String message = e.get("message").asText();
        assertTrue(message.contains("m version 1.0.0") && message.contains("[2.0.0]"), message);
        assertEquals(0, installed.runs.get());
        assertEquals(Map.of(ErrorCode.UNKNOWN_MODEL, 1L), worker.metrics().snapshot().errors());

        request(features("nope", "1.0.0", 1, 1, 1, 1), "req-3");
        assertTrue(error(reply()).get("message").asText().contains("installed versions of nope: none"));
    }

    @Test
    void malformedRequestsGetErrorRepliesAndTheWorkerKeepsServing() throws Exception {
        TestModels.FakeCloud m = new TestModels.FakeCloud("m", "1.0.0");
        start(new CloudWorkerSettings("hybridfog/offload/+", 1, 10, 1000), m);
        request("garbage".getBytes(UTF_8), "a");
        assertEquals("MALFORMED_PAYLOAD", error(reply()).get("error").asText());
        byte[] truncated = features("m", "1.0.0", 1, 1, 1, 1);
        request(java.util.Arrays.copyOf(truncated, truncated.length - 1), "b");
        assertEquals("MALFORMED_PAYLOAD", error(reply()).get("error").asText());
        request(features("", "", 1, 1, 1, 1), "c");
        assertTrue(error(reply()).get("message").asText().contains("must name its model"));
        request(new byte[1001], "d");
        assertEquals("PAYLOAD_TOO_LARGE", error(reply()).get("error").asText());
        request(TensorCodec.encode(new Tensor(new long[] {1, 3}, new float[] {1, 1, 1}), TensorCodec.Encoding.BINARY, "m", "1.0.0"), "e");
        assertEquals("WRONG_SHAPE", error(reply()).get("error").asText());
        m.failure = new IllegalStateException("boom");
        request(features("m", "1.0.0", 1, 1, 1, 1), "f");
        JsonNode internal = error(reply());
        assertEquals("INTERNAL", internal.get("error").asText());
        assertTrue(internal.get("message").asText().contains("boom"));
        m.failure = null;
        request(features("m", "1.0.0", -1, -1, -1, -1), "g");
        BusMessage ok = reply();
        assertArrayEquals("g".getBytes(UTF_8), ok.correlationData());
        assertEquals(5f, TensorCodec.decode(ok.payload(), 100).tensor().data()[0]);
    }

    @Test
    void requestWithoutResponseTopicIsDropped() throws Exception {
        start(CloudWorkerSettings.defaults(), new TestModels.FakeCloud("m", "1.0.0"));
        bus.publish(new BusMessage("hybridfog/offload/m", features("m", "1.0.0", 1, 1, 1, 1), null, "x".getBytes(UTF_8), null, Map.of()));
        bus.awaitDelivered(5000);
        Thread.sleep(100);
        assertEquals(1, worker.metrics().snapshot().dropped());
        assertEquals(1, bus.published().size(), "nothing but the request was published");
    }

    @Test
    void fullQueueAnswersOverloaded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        TestModels.FakeCloud slow = gated("1.0.0", entered, release);
        start(new CloudWorkerSettings("hybridfog/offload/+", 1, 1, 1 << 20), slow);
        request(features("m", "1.0.0", 1, 1, 1, 1), "r0");
        assertTrue(entered.await(5, TimeUnit.SECONDS), "r0 running");
        for (int i = 1; i < 3; i++) {
            request(features("m", "1.0.0", 1, 1, 1, 1), "r" + i); // 1 running, 1 queued, 1 rejected
        }
        JsonNode e = error(reply());
        assertEquals("OVERLOADED", e.get("error").asText());
        release.countDown();
        assertNotNull(reply());
        assertNotNull(reply());
    }

    @Test
    void settingsNameTheirKeys() {
        assertEquals(CloudWorkerSettings.defaults(), CloudWorkerSettings.parse(Map.of()));
        assertEquals(4, CloudWorkerSettings.parse(Map.of("workers", "4")).workers());
        assertEquals("workers", assertThrows(SettingException.class, () -> CloudWorkerSettings.parse(Map.of("workers", 0))).key());
        assertEquals("queue.capacity", assertThrows(SettingException.class,
                () -> CloudWorkerSettings.parse(Map.of("queue.capacity", "x"))).key());
        assertEquals("offload.subscription", assertThrows(SettingException.class,
                () -> CloudWorkerSettings.parse(Map.of("offload.subscription", "$share/g"))).key());
        assertEquals("max.payload.bytes", assertThrows(SettingException.class,
                () -> CloudWorkerSettings.parse(Map.of("max.payload.bytes", -1))).key());
    }

    /** A fake whose first run signals {@code entered} and waits for {@code release}. */
    private static TestModels.FakeCloud gated(String version, CountDownLatch entered, CountDownLatch release) {
        return new TestModels.FakeCloud("m", version) {
            @Override
            public Tensor run(Tensor features) throws io.hybridfog.api.HybridFogException {
                if (entered.getCount() > 0) {
                    entered.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.run(features);
            }
        };
    }

    /** Replies by correlation id, {@code n} of them. */
    private Map<String, BusMessage> replies(int n) throws InterruptedException {
        Map<String, BusMessage> got = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            BusMessage r = reply();
            assertEquals(null, got.put(new String(r.correlationData(), UTF_8), r), "one reply per request");
        }
        assertEquals(null, replies.poll(200, TimeUnit.MILLISECONDS), "no further reply");
        return got;
    }

    private static int predicted(BusMessage r) throws Exception {
        assertEquals("application/vnd.hybridfog.tensor", r.contentType());
        TensorCodec.Decoded d = TensorCodec.decode(r.payload(), 100);
        assertArrayEquals(new long[] {1, 10}, d.header().shape());
        float[] logits = d.tensor().data();
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            best = logits[i] > logits[best] ? i : best;
        }
        return best;
    }

    @Test
    void queuedRequestsRunAsOneBatchPerVersionAndEachGetsItsOwnReplyOrError() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        TestModels.FakeCloud v1 = gated("1.0.0", entered, release);
        TestModels.FakeCloud v2 = new TestModels.FakeCloud("m", "2.0.0");
        start(new CloudWorkerSettings("hybridfog/offload/+", 1, 100, 1 << 20, 16, 0), v1, v2);
        request(features("m", "1.0.0", 1, 1, 1, 1), "first");
        assertTrue(entered.await(5, TimeUnit.SECONDS), "first running");
        request(features("m", "1.0.0", 1, -1, -1, -1), "a");
        request("garbage".getBytes(UTF_8), "bad");
        request(features("m", "2.0.0", 1, 1, -1, -1), "b");
        request(features("m", "1.0.0", 1, 1, 1, -1), "c");
        request(features("m", "1.0.0", 1, 1, 1), "shape");
        request(features("m", "9.9.9", 1, 1, 1, 1), "unknown");
        bus.awaitDelivered(5000); // all queued behind "first"
        release.countDown();
        Map<String, BusMessage> got = replies(7);
        assertEquals(4, predicted(got.get("first")));
        assertEquals(1, predicted(got.get("a")));
        assertEquals(2, predicted(got.get("b")));
        assertEquals("2.0.0", TensorCodec.decode(got.get("b").payload(), 100).header().modelVersion());
        assertEquals(3, predicted(got.get("c")));
        assertEquals("MALFORMED_PAYLOAD", error(got.get("bad")).get("error").asText());
        assertEquals("WRONG_SHAPE", error(got.get("shape")).get("error").asText());
        assertEquals("UNKNOWN_MODEL", error(got.get("unknown")).get("error").asText());
        assertEquals(List.of(1, 2), v1.batchSizes, "a and c as one batch; the [1, 3] request alone, refused");
        assertEquals(List.of(1), v2.batchSizes);
        assertEquals(new io.hybridfog.cloud.CloudWorkerMetrics.Batches(3, 4), worker.metrics().batches());
        assertEquals(4, worker.metrics().snapshot().answered());
    }

    @Test
    void aBatchThatFailsRunsItsRequestsOneByOne() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        TestModels.FakeCloud v1 = gated("1.0.0", entered, release);
        v1.failBatches = true;
        start(new CloudWorkerSettings("hybridfog/offload/+", 1, 100, 1 << 20, 16, 0), v1);
        request(features("m", "1.0.0", 1, 1, 1, 1), "first");
        assertTrue(entered.await(5, TimeUnit.SECONDS), "first running");
        request(features("m", "1.0.0", 1, -1, -1, -1), "a");
        request(features("m", "1.0.0", 1, 1, -1, -1), "b");
        bus.awaitDelivered(5000);
        release.countDown();
        Map<String, BusMessage> got = replies(3);
        assertEquals(1, predicted(got.get("a")));
        assertEquals(2, predicted(got.get("b")));
        assertEquals(List.of(1, 2, 1, 1), v1.batchSizes);
        assertEquals(3, worker.metrics().snapshot().answered());
    }

    @Test
    void batchSettingsAreParsedAndChecked() {
        CloudWorkerSettings s = CloudWorkerSettings.parse(Map.of("max.batch.size", "64", "max.batch.wait.ms", "2"));
        assertEquals(64, s.maxBatchSize());
        assertEquals(2, s.maxBatchWaitMs());
        assertEquals(CloudWorkerSettings.DEFAULT_MAX_BATCH_SIZE, CloudWorkerSettings.parse(Map.of()).maxBatchSize());
        assertEquals(0, CloudWorkerSettings.parse(Map.of()).maxBatchWaitMs());
        assertEquals("max.batch.size", assertThrows(SettingException.class,
                () -> CloudWorkerSettings.parse(Map.of("max.batch.size", 0))).key());
        assertEquals("max.batch.wait.ms", assertThrows(SettingException.class,
                () -> CloudWorkerSettings.parse(Map.of("max.batch.wait.ms", -1))).key());
    }
}
