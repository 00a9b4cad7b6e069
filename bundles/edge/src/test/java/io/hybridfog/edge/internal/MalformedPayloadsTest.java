package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.Tensor;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.codec.TensorCodec;
import io.hybridfog.mqtt.MqttClientBus;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import io.hybridfog.mqtt.testing.SecureDeployment;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.policy.EntropyPolicy;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 10,000 malformed samples generated from a seeded random source (a failure reproduces) go through a real Mosquitto to
 * a gateway running the real Fashion-MNIST edge partition: random bytes, truncated and corrupted PNGs, images of the
 * wrong size, HFT tensors with a wrong shape, a wrong dtype, NaN or infinity, a broken header, and payloads above
 * {@code max.payload.bytes}. Each must get exactly one result with the expected error code, and a valid image sent
 * after them is still classified.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MalformedPayloadsTest {
    private static final Path MODEL_DIR = Path.of(System.getProperty("hybridfog.model.dir", "../../models/fashion-mnist"));
    private static final int COUNT = Integer.getInteger("hybridfog.fault.malformed", 10_000);
    private static final int MAX_PAYLOAD = 64 * 1024;
    private static final List<ExitPolicy> POLICIES = List.of(new EntropyPolicy());

    /** One generated payload and the error it must get. */
    record Case(String kind, byte[] payload, ErrorCode expected) {
    }

    @Test
    void everyMalformedPayloadGetsItsErrorAndTheGatewayKeepsServing() throws Exception {
        List<byte[]> pngs = new ArrayList<>();
        try (Stream<Path> files = Files.list(MODEL_DIR.resolve("png"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                pngs.add(Files.readAllBytes(p));
            }
        }
        Random random = new Random(20261130); // fixed seed: a failure reproduces
        Map<String, Case> corpus = new LinkedHashMap<>();
        for (int i = 0; i < COUNT; i++) {
            corpus.put("bad-" + i, next(random, pngs));
        }

        List<AutoCloseable> toClose = new ArrayList<>();
        try (MosquittoBroker broker = SecureDeployment.startBroker(List.of())) {
            OnnxEdgePartition edge;
            try (OrtSession.SessionOptions options = OnnxPartitions.sessionOptions(1)) {
                edge = OnnxPartitions.loadEdge(OnnxPartitions.sharedEnvironment(),
                        Files.readAllBytes(MODEL_DIR.resolve("edge.onnx")), options);
            }
            toClose.add(edge);
            MqttClientBus gatewayBus = bus(broker, "malformed-gateway", SecureDeployment.GATEWAY, toClose);
            MqttClientBus deviceBus = bus(broker, "malformed-device", "dev-malformed", toClose);
            EdgeGateway gateway = new EdgeGateway(gatewayBus, () -> List.of(edge), () -> POLICIES, new TestModels.Energy(),
                    GatewaySettings.of("gateway-1", edge.descriptor().name()).withExit(null, 10.0) // all exit at the edge
                            .withLimits(5000, 2, 1000, MAX_PAYLOAD));
            gateway.start();
            toClose.add(0, gateway);

            Map<String, List<InferenceResult>> results = new ConcurrentHashMap<>();
            Semaphore window = new Semaphore(32);
            deviceBus.subscribe("hybridfog/results/dev-malformed", m -> {
                try {
                    InferenceResult r = ResultCodec.fromJson(m.payload());
                    if (results.computeIfAbsent(r.sampleId(), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                            .add(r) && results.get(r.sampleId()).size() == 1) {
                        window.release();
                    }
                } catch (HybridFogException e) {
                    results.computeIfAbsent("unreadable", k -> new java.util.concurrent.CopyOnWriteArrayList<>());
                }
            });
            for (Map.Entry<String, Case> e : corpus.entrySet()) {
                if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("no result for 60 s; " + results.size() + " answered; gateway "
                            + gateway.metrics().snapshot());
                }
                send(deviceBus, e.getKey(), e.getValue().payload());
            }
            send(deviceBus, "valid-after", pngs.get(0));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (results.size() < COUNT + 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(500);

            Map<String, Integer> byKind = new TreeMap<>();
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, Case> e : corpus.entrySet()) {
                Case c = e.getValue();
                byKind.merge(c.kind() + " -> " + c.expected(), 1, Integer::sum);
                List<InferenceResult> got = results.getOrDefault(e.getKey(), List.of());
                if (got.size() != 1 || got.get(0).error() != c.expected()) {
                    wrong.add(e.getKey() + " (" + c.kind() + ", " + c.payload().length + " bytes): expected "
                            + c.expected() + ", got " + got.stream().map(r -> r.error() + " " + r.errorMessage()).toList());
                }
            }
            System.out.println("malformed payloads: " + COUNT + " sent, by kind " + byKind + "; gateway "
                    + gateway.metrics().snapshot());
            assertEquals(List.of(), wrong.subList(0, Math.min(wrong.size(), 20)), wrong.size() + " payloads got a wrong answer");
            assertTrue(!results.containsKey("unreadable"), "a result was not valid JSON");
            List<InferenceResult> valid = results.get("valid-after");
            assertEquals(1, valid == null ? 0 : valid.size(), "the valid sample after the corpus");
            assertNull(valid.get(0).error(), valid.get(0).errorMessage());
            assertEquals(COUNT, gateway.metrics().snapshot().errorTotal());
        } finally {
            for (AutoCloseable c : toClose) {
                c.close();
            }
        }
    }

    /** Makes one malformed payload of some kind from a random source. */
    private interface Kind {
        Case make(Random r);
    }

    /**
     * The generated corpus: each kind with the error code the gateway must answer; every kind ten times as likely as
     * the last one (payloads above the limit are large, a few hundred suffice).
     */
    static Case next(Random r, List<byte[]> pngs) {
        Kind[] kinds = {
            x -> new Case("random bytes", randomBytes(x, 1 + x.nextInt(4096)), ErrorCode.MALFORMED_PAYLOAD),
            x -> {
                byte[] p = pngs.get(x.nextInt(pngs.size()));
                return new Case("truncated png", Arrays.copyOf(p, 1 + x.nextInt(Math.min(60, p.length - 1))),
                        ErrorCode.MALFORMED_PAYLOAD);
            },
            x -> {
                byte[] p = pngs.get(x.nextInt(pngs.size()));
                return new Case("png without its end", Arrays.copyOf(p, 33 + x.nextInt(p.length - 13 - 33)),
                        ErrorCode.MALFORMED_PAYLOAD);
            },
            x -> {
                int w = 1 + x.nextInt(64);
                int h = w == 28 ? 29 + x.nextInt(36) : 1 + x.nextInt(64);
                return new Case("png of the wrong size", grayPng(w, h), ErrorCode.WRONG_SHAPE);
            },
            x -> new Case("tensor of the wrong shape", tensor(wrongShape(x), TensorCodec.Encoding.FLOAT32, 0f),
                    ErrorCode.WRONG_SHAPE),
            x -> {
                float v = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}[x.nextInt(3)];
                return new Case("tensor with " + v, tensor(new long[] {1, 1, 28, 28}, TensorCodec.Encoding.FLOAT32, v),
                        ErrorCode.NON_FINITE_VALUES);
            },
            x -> new Case("binary tensor as input", tensor(new long[] {1, 1, 28, 28}, TensorCodec.Encoding.BINARY, 1f),
                    ErrorCode.WRONG_DTYPE),
            x -> {
                byte[] t = tensor(new long[] {1, 1, 28, 28}, TensorCodec.Encoding.FLOAT32, 0f);
                int pos = 3 + x.nextInt(10); // a header byte after the magic
                t[pos] = (byte) (t[pos] + 1 + x.nextInt(255));
                return new Case("tensor with a broken header", t, expectedForBrokenHeader(t));
            },
            x -> new Case("too large", randomBytes(x, MAX_PAYLOAD + 1 + x.nextInt(4096)), ErrorCode.PAYLOAD_TOO_LARGE),
        };
        int total = 10 * (kinds.length - 1) + 1;
        int pick = r.nextInt(total);
        return kinds[Math.min(pick / 10, kinds.length - 1)].make(r);
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        if (b[0] == 'H' || b[0] == (byte) 0x89 || b[0] == (byte) 0xFF) {
            b[0] = 0; // not the start of an HFT tensor, a PNG or a JPEG
        }
        return b;
    }

    private static long[] wrongShape(Random r) {
        while (true) {
            long[] s = new long[1 + r.nextInt(5)];
            long n = 1;
            for (int i = 0; i < s.length; i++) {
                s[i] = 1 + r.nextInt(40);
                n *= s[i];
            }
            if (n <= 8000 && !Arrays.equals(s, new long[] {1, 1, 28, 28}) && !Arrays.equals(s, new long[] {1, 28, 28})) {
                return s;
            }
        }
    }

    /** What the gateway's decoder says for a tensor with a corrupted header byte: decoded here once, directly. */
    private static ErrorCode expectedForBrokenHeader(byte[] tensor) {
        try {
            new io.hybridfog.codec.SampleDecoder(new io.hybridfog.api.InputSpec("image", new long[] {1, 28, 28}, 255f,
                    new float[] {0.2860f}, new float[] {0.3530f}, "grayscale"), MAX_PAYLOAD).decode(tensor);
            return null; // still valid: then it must be classified, which the assertion reports as a mismatch
        } catch (HybridFogException e) {
            return e.code();
        }
    }

    /** An HFT tensor with every element {@code value}; NaN/infinity are written into the bytes (encode refuses them). */
    private static byte[] tensor(long[] shape, TensorCodec.Encoding enc, float value) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] data = new float[n];
        Arrays.fill(data, Float.isFinite(value) ? value : 0f);
        byte[] bytes = TensorCodec.encode(new Tensor(shape, data), enc, "any", "1");
        if (!Float.isFinite(value)) {
            ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(bytes.length - 4 * n, value); // first element
        }
        return bytes;
    }

    private static byte[] grayPng(int width, int height) {
        try {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(width, height,
                    java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(MqttClientBus bus, String id, byte[] payload) {
        bus.publish(new BusMessage("hybridfog/samples/dev-malformed", payload, null, id.getBytes(UTF_8), null, Map.of()));
    }

    private static MqttClientBus bus(MosquittoBroker broker, String clientId, String account, List<AutoCloseable> toClose)
            throws Exception {
        MqttClientBus b = MqttClientBus.start(SecureDeployment.settings(broker, clientId, account).withConnectTimeoutS(5));
        toClose.add(b);
        assertTrue(b.awaitConnected(10_000), clientId + " did not connect:\n" + broker.log());
        return b;
    }
}
