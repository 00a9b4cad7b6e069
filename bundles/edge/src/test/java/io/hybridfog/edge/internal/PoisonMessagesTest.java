package io.hybridfog.edge.internal;

import static io.hybridfog.mqtt.testing.Mqtt5Packets.CONTENT_TYPE;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.CORRELATION_DATA;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.MESSAGE_EXPIRY_INTERVAL;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.PAYLOAD_FORMAT_INDICATOR;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.RESPONSE_TOPIC;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.cloud.internal.CloudWorker;
import io.hybridfog.cloud.internal.CloudWorkerSettings;
import io.hybridfog.codec.SampleDecoder;
import io.hybridfog.codec.TensorCodec;
import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.MqttClientBus;
import io.hybridfog.mqtt.testing.Mqtt5Packets;
import io.hybridfog.mqtt.testing.Mqtt5Packets.Properties;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import io.hybridfog.mqtt.testing.RawMqtt5Client;
import io.hybridfog.onnx.OnnxCloudPartition;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.policy.EntropyPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Poison messages: every MQTT 5 property a device can make a broker forward (byte, four-byte integer, UTF-8 string,
 * binary data, string pair), at the boundary sizes 32,767 / 32,768 / 65,535 bytes, plus strings the client library
 * cannot decode, sent byte-exact by a raw MQTT 5 client through a real Mosquitto to a gateway (sample topic) and to a
 * cloud worker (offload topic), each running the real Fashion-MNIST partitions. What the broker forwards must be
 * answered with its correlation data intact, or, if the client cannot decode it, acknowledged and dropped; a valid
 * sample after each case must still be answered (Paho 1.2.5 unpatched wedged on the first 32,768-byte correlation
 * data: bundles/paho-osgi/PATCHES.md). The table of cases and outcomes is printed (docs/reliability.md).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PoisonMessagesTest {
    private static final Path MODEL_DIR = Path.of(System.getProperty("hybridfog.model.dir", "../../models/fashion-mnist"));
    private static final List<ExitPolicy> POLICIES = List.of(new EntropyPolicy());
    private static final String DEVICE = "dev-poison";
    private static final String SAMPLES = "hybridfog/samples/" + DEVICE;
    private static final String OFFLOADS = "hybridfog/offload/gw-poison";
    private static final String REPLIES = "poison/replies/";
    private static final int[] SIZES = {32_767, 32_768, 65_535};

    enum Expect { ANSWERED, DROPPED }

    /** One poison message: the properties besides correlation data, and what must happen to it. */
    record Case(String name, Supplier<Properties> properties, byte[] correlationData, String responseTopic, Expect expect) {
    }

    @Test
    void noMessageStopsTheGatewayOrTheCloudWorker() throws Exception {
        List<AutoCloseable> toClose = new ArrayList<>();
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            OnnxEdgePartition edge;
            OnnxCloudPartition cloud;
            try (OrtSession.SessionOptions options = OnnxPartitions.sessionOptions(1)) {
                edge = OnnxPartitions.loadEdge(OnnxPartitions.sharedEnvironment(), Files.readAllBytes(MODEL_DIR.resolve("edge.onnx")), options);
                cloud = OnnxPartitions.loadCloud(OnnxPartitions.sharedEnvironment(), Files.readAllBytes(MODEL_DIR.resolve("cloud.onnx")), options);
            }
            toClose.add(edge);
            toClose.add(cloud);
            MqttClientBus gatewayBus = bus(broker, "poison-gateway", toClose);
            EdgeGateway gateway = new EdgeGateway(gatewayBus, () -> List.of(edge), () -> POLICIES, new TestModels.Energy(),
                    GatewaySettings.of("gw-poison", edge.descriptor().name()).withExit(null, 10.0)); // all exit at the edge
            gateway.start();
            toClose.add(0, gateway);
            MqttClientBus cloudBus = bus(broker, "poison-cloud", toClose);
            CloudWorker worker = new CloudWorker(cloudBus, () -> List.of(cloud), CloudWorkerSettings.defaults());
            worker.start();
            toClose.add(0, worker);

            BlockingQueue<BusMessage> answers = new LinkedBlockingQueue<>();
            MqttClientBus observer = bus(broker, "poison-observer", toClose);
            observer.subscribe("hybridfog/results/" + DEVICE, answers::add);
            observer.subscribe(REPLIES + "#", answers::add);

            byte[] png = Files.readAllBytes(MODEL_DIR.resolve("png/test-00004.png"));
            EdgeOutput features = edge.run(new SampleDecoder(edge.descriptor().input(), 1 << 20).decode(png));
            byte[] offload = TensorCodec.encode(features.features(), edge.descriptor().features().binary()
                    ? TensorCodec.Encoding.BINARY : TensorCodec.Encoding.FLOAT32, edge.descriptor().name(), edge.descriptor().version());

            List<String> report = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            int n = 0;
            RawMqtt5Client device = RawMqtt5Client.connect("127.0.0.1", broker.port(), "poison-device", null, null);
            try {
                for (boolean toCloud : new boolean[] {false, true}) {
                    for (Case c : cases(toCloud)) {
                        String target = toCloud ? "cloud worker" : "gateway";
                        byte[] correlation = c.correlationData() != null ? c.correlationData() : ("case-" + n).getBytes(UTF_8);
                        n++;
                        Properties props = c.properties().get().binary(CORRELATION_DATA, correlation);
                        String replyTopic = c.responseTopic() != null ? c.responseTopic() : REPLIES + n;
                        if (toCloud) {
                            props.string(RESPONSE_TOPIC, replyTopic);
                        }
                        int reason = device.publishQos1((toCloud ? OFFLOADS : SAMPLES).getBytes(UTF_8), props, toCloud ? offload : png);
                        String outcome;
                        if (reason < 0 || reason >= 0x80) {
                            outcome = "refused by the broker (" + (reason < 0 ? "disconnected" : "reason 0x" + Integer.toHexString(reason)) + ")";
                            if (reason < 0) {
                                device.close();
                                device = RawMqtt5Client.connect("127.0.0.1", broker.port(), "poison-device", null, null);
                            }
                        } else {
                            BusMessage answer = awaitAnswer(answers, correlation, 10);
                            outcome = answer == null ? "no answer" : "answered on " + abbreviate(answer.topic());
                            boolean expected = c.expect() == Expect.ANSWERED ? answer != null : answer == null;
                            if (!expected) {
                                failures.add(target + " / " + c.name() + ": expected " + c.expect() + ", got " + outcome);
                            }
                        }
                        // liveness: a valid message right after each case is answered
                        byte[] probe = ("probe-" + n).getBytes(UTF_8);
                        Properties probeProps = new Properties().binary(CORRELATION_DATA, probe);
                        if (toCloud) {
                            probeProps.string(RESPONSE_TOPIC, REPLIES + "probe");
                        }
                        device.publishQos1((toCloud ? OFFLOADS : SAMPLES).getBytes(UTF_8), probeProps, toCloud ? offload : png);
                        if (awaitAnswer(answers, probe, 10) == null) {
                            failures.add(target + " / " + c.name() + ": the valid message after it was not answered");
                        }
                        report.add(String.format("| %s | %s | %s |", target, c.name(), outcome));
                    }
                }
            } finally {
                device.close();
            }
            System.out.println("poison messages (" + n + " cases):\n"
                    + "| to | message | outcome |\n|---|---|---|\n" + String.join("\n", report)
                    + "\nundecodable messages dropped: gateway " + gatewayBus.undecodableMessagesDropped()
                    + ", cloud worker " + cloudBus.undecodableMessagesDropped());
            assertEquals(List.of(), failures);
            long dropped = report.stream().filter(r -> r.contains("no answer")).count();
            assertEquals(dropped, gatewayBus.undecodableMessagesDropped() + cloudBus.undecodableMessagesDropped(),
                    "every message that got no answer was dropped as undecodable, with a log line");
            assertTrue(gatewayBus.isConnected() && cloudBus.isConnected(), "both still connected");
        } finally {
            for (AutoCloseable c : toClose) {
                c.close();
            }
        }
    }

    private static List<Case> cases(boolean toCloud) {
        List<Case> cases = new ArrayList<>();
        for (int size : SIZES) {
            byte[] data = new byte[size];
            Arrays.fill(data, (byte) ('a' + size % 26));
            cases.add(new Case("correlation data of " + size + " bytes", Properties::new, data, null, Expect.ANSWERED));
            String s = Mqtt5Packets.ofLength(size);
            cases.add(new Case("content type of " + size + " bytes", () -> new Properties().string(CONTENT_TYPE, s), null, null, Expect.ANSWERED));
            cases.add(new Case("user property of " + size + "-byte key and value", () -> new Properties().userProperty(s, s), null, null, Expect.ANSWERED));
            if (toCloud) {
                // the worker replies to it: the topic must exist in full
                String topic = REPLIES + Mqtt5Packets.ofLength(size - REPLIES.length());
                cases.add(new Case("response topic of " + size + " bytes", Properties::new, null, topic, Expect.ANSWERED));
            } else {
                cases.add(new Case("response topic of " + size + " bytes", () -> new Properties().string(RESPONSE_TOPIC, s), null, null, Expect.ANSWERED));
            }
        }
        cases.add(new Case("2,000 user properties", () -> {
            Properties p = new Properties();
            for (int i = 0; i < 2000; i++) {
                p.userProperty("k" + i, "v" + i);
            }
            return p;
        }, null, null, Expect.ANSWERED));
        for (long expiry : new long[] {0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL}) {
            cases.add(new Case("message expiry interval " + expiry + " s",
                    () -> new Properties().fourByteInteger(MESSAGE_EXPIRY_INTERVAL, expiry), null, null, Expect.ANSWERED));
        }
        cases.add(new Case("payload format indicator 0", () -> new Properties().oneByte(PAYLOAD_FORMAT_INDICATOR, 0), null, null, Expect.ANSWERED));
        cases.add(new Case("correlation data that is not UTF-8", Properties::new, new byte[] {(byte) 0xC3, 0x28}, null,
                Expect.ANSWERED)); // the gateway answers MISSING_SAMPLE_ID, the worker echoes it
        // strings Paho refuses to decode (control characters): if the broker forwards them they are dropped
        cases.add(new Case("content type with a C1 control character", () -> new Properties().string(CONTENT_TYPE, "image/png\u0085"), null, null, Expect.DROPPED));
        cases.add(new Case("user property with a C0 control character", () -> new Properties().userProperty("k\u0001", "v"), null, null, Expect.DROPPED));
        return cases;
    }

    /** The answer carrying {@code correlation}, or null after {@code seconds}; other answers are discarded. */
    private static BusMessage awaitAnswer(BlockingQueue<BusMessage> answers, byte[] correlation, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            BusMessage m = answers.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (m == null) {
                return null;
            }
            if (Arrays.equals(correlation, m.correlationData())) {
                return m;
            }
        }
    }

    private static String abbreviate(String topic) {
        return topic.length() <= 40 ? topic : topic.substring(0, 30) + "... (" + topic.length() + " bytes)";
    }

    private static MqttClientBus bus(MosquittoBroker broker, String clientId, List<AutoCloseable> toClose) throws Exception {
        MqttClientBus b = MqttClientBus.start(MqttBusSettings.of(broker.url(), clientId).withConnectTimeoutS(5));
        toClose.add(b);
        assertTrue(b.awaitConnected(10_000), clientId + " did not connect:\n" + broker.log());
        return b;
    }
}
