package io.hybridfog.runtime.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.launcher.testing.DistributionProcess;
import io.hybridfog.mqtt.MqttClientBus;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import io.hybridfog.mqtt.testing.SecureDeployment;
import java.nio.file.StandardOpenOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged gateway distribution (target/hybridfog-gateway) and cloud distribution (../cloud/target/hybridfog-cloud)
 * as two child processes with the checkout's config/gateway and config/cloud, against a private Mosquitto secured as
 * config/mosquitto runs it (TLS, accounts, the committed ACL; {@link SecureDeployment}): each process gets a copy of
 * its config with its account and the test CA added. A device on {@link MqttClientBus} sends real Fashion-MNIST PNGs
 * over MQTT 5 as {@code dev-1}.
 */
class GatewayDistributionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path HOME = Path.of(System.getProperty("hybridfog.home", "../..")).toAbsolutePath().normalize();
    private static final Path DIST = Path.of(System.getProperty("hybridfog.dist", "target/hybridfog-gateway"));
    private static final Path CLOUD_DIST = Path.of(System.getProperty("hybridfog.cloud.dist", "../cloud/target/hybridfog-cloud"));
    private static MosquittoBroker broker;

    @BeforeAll
    static void broker() throws IOException {
        broker = SecureDeployment.startBroker(List.of());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void gatewayAndCloudWorkerProcessesClassifyPngsSentOverMqtt(@TempDir Path tmp) throws Exception {
        try (DistributionProcess cloud = DistributionProcess.start(CLOUD_DIST, "hybridfog-cloud.jar", tmp.resolve("cloud"),
                "--config", config(tmp, "cloud", SecureDeployment.CLOUD).toString(), "--broker", broker.url());
             DistributionProcess gateway = DistributionProcess.start(DIST, "hybridfog-gateway.jar", tmp.resolve("gateway"),
                     "--config", config(tmp, "gateway", SecureDeployment.GATEWAY).toString(), "--broker", broker.url())) {
            assertTrue(cloud.awaitOutput("ready:", 45_000), "cloud worker not ready:\n" + cloud.output());
            assertTrue(gateway.awaitOutput("ready:", 45_000), "gateway not ready:\n" + gateway.output());

            Map<Integer, Integer> reference = referencePredictions();
            Map<String, List<JsonNode>> results = new ConcurrentHashMap<>();
            List<String> problems = new CopyOnWriteArrayList<>();
            try (MqttClientBus device = MqttClientBus.start(SecureDeployment.settings(broker, "test-device-1", "dev-1"))) {
                assertTrue(device.awaitConnected(10_000), "device not connected");
                device.subscribe("hybridfog/results/dev-1", m -> {
                    try {
                        JsonNode r = JSON.readTree(m.payload());
                        results.computeIfAbsent(r.path("sampleId").asText(), k -> new CopyOnWriteArrayList<>()).add(r);
                    } catch (IOException e) {
                        problems.add(e.toString());
                    }
                });
                List<Path> pngs = pngs();
                for (Path png : pngs) {
                    String id = png.getFileName().toString();
                    device.publish(new BusMessage("hybridfog/samples/dev-1", Files.readAllBytes(png), null,
                            id.getBytes(StandardCharsets.UTF_8), null, Map.of())).get(10, TimeUnit.SECONDS);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (results.size() < pngs.size() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                Thread.sleep(300); // a duplicate would arrive now
                String context = "\ngateway:\n" + gateway.output() + "\ncloud:\n" + cloud.output();
                assertEquals(pngs.size(), results.size(), "results for " + results.keySet() + context);
                assertTrue(problems.isEmpty(), problems.toString());
                int cloudExits = 0;
                for (Path png : pngs) {
                    String id = png.getFileName().toString();
                    List<JsonNode> rs = results.get(id);
                    assertEquals(1, rs.size(), "exactly one result for " + id + ": " + rs);
                    JsonNode r = rs.get(0);
                    assertNull(r.get("error"), id + ": " + r + context);
                    assertEquals("fashion-mnist-hybrid", r.path("model").asText(), r.toString());
                    int index = Integer.parseInt(id.replaceAll("\\D", ""));
                    boolean cloudExit = "CLOUD".equals(r.path("exit").asText());
                    cloudExits += cloudExit ? 1 : 0;
                    int[] ref = {reference.get(index * 2), reference.get(index * 2 + 1)}; // exit_pred, cloud_pred
                    assertEquals(cloudExit ? ref[1] : ref[0], r.path("predictedClass").asInt(), id + ": " + r);
                }
                // test-00004.png has an early-exit entropy of 0.91 nats, over the calibrated threshold (0.52)
                assertTrue(cloudExits >= 1, "no sample answered by the cloud worker process: " + results);
                assertTrue(cloudExits < pngs.size(), "no sample exited at the edge: " + results);
            }
        }
    }

    /** A start that fails for a reason other than a rejected value is not reported as an invalid configuration. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFailureOtherThanTheConfigurationIsNamedAsSuch(@TempDir Path tmp) throws Exception {
        Path config = Files.createDirectories(tmp.resolve("config"));
        for (String f : List.of("io.hybridfog.mqtt.cfg", "io.hybridfog.edge.cfg", "io.hybridfog.energy.cfg", "io.hybridfog.onnx.cfg")) {
            Files.copy(config(tmp, "gateway", SecureDeployment.GATEWAY).resolve(f), config.resolve(f));
        }
        Path notAFolder = Files.writeString(tmp.resolve("a-file"), "the journal cannot be created below a file");
        Path edge = config.resolve("io.hybridfog.edge.cfg");
        Files.writeString(edge, Files.readString(edge) + "\njournal.dir=" + notAFolder.resolve("journal") + "\n");
        try (DistributionProcess gateway = DistributionProcess.start(DIST, "hybridfog-gateway.jar", tmp.resolve("gateway"),
                "--config", config.toString(), "--broker", broker.url(), "--startup-timeout", "40")) {
            Integer code = gateway.awaitExit(50_000);
            assertNotNull(code, "gateway still running:\n" + gateway.output());
            assertEquals(4, code, gateway.output());
            String out = gateway.output();
            assertTrue(out.contains("not started, a component failed"), out);
            assertTrue(!out.contains("error: invalid configuration"), out);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void invalidConfigurationKeyFailsStartupNamingTheKey(@TempDir Path tmp) throws Exception {
        Path config = Files.createDirectories(tmp.resolve("config"));
        for (String f : List.of("io.hybridfog.mqtt.cfg", "io.hybridfog.edge.cfg", "io.hybridfog.energy.cfg", "io.hybridfog.onnx.cfg")) {
            Files.copy(config(tmp, "gateway", SecureDeployment.GATEWAY).resolve(f), config.resolve(f));
        }
        Path edge = config.resolve("io.hybridfog.edge.cfg");
        Files.writeString(edge, Files.readString(edge).replace("offload.timeout.ms=5000", "offload.timeout.ms=soon"));
        try (DistributionProcess gateway = DistributionProcess.start(DIST, "hybridfog-gateway.jar", tmp.resolve("gateway"),
                "--config", config.toString(), "--broker", broker.url(), "--startup-timeout", "40")) {
            Integer code = gateway.awaitExit(50_000);
            assertNotNull(code, "gateway still running:\n" + gateway.output());
            assertEquals(2, code, gateway.output());
            String out = gateway.output();
            String summary = out.substring(out.indexOf("error: invalid configuration"));
            assertTrue(summary.contains("offload.timeout.ms"), "the error names the key:\n" + out);
        }
    }

    /**
     * The gateway process is killed (SIGKILL) mid-stream and started again on the same work folder: the samples it
     * had taken and not answered come back from its broker session, the results its journal holds go out, the
     * samples it had answered are not answered again. Every sample gets an answer, no two answers differ.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void gatewayProcessKilledMidStreamAnswersEverySampleAfterItsRestart(@TempDir Path tmp) throws Exception {
        String[] gatewayArgs = {"--config", config(tmp, "gateway", SecureDeployment.GATEWAY).toString(), "--broker", broker.url()};
        DistributionProcess[] gateway = {DistributionProcess.start(DIST, "hybridfog-gateway.jar", tmp.resolve("gateway"), gatewayArgs)};
        try (DistributionProcess cloud = DistributionProcess.start(CLOUD_DIST, "hybridfog-cloud.jar", tmp.resolve("cloud"),
                "--config", config(tmp, "cloud", SecureDeployment.CLOUD).toString(), "--broker", broker.url())) {
            assertTrue(cloud.awaitOutput("ready:", 45_000), "cloud worker not ready:\n" + cloud.output());
            assertTrue(gateway[0].awaitOutput("ready:", 45_000), "gateway not ready:\n" + gateway[0].output());
            int total = 3000;
            DeviceStream s = DeviceStream.run(SecureDeployment.settings(broker, "test-device-stream", "dev-1"), total, 0, total / 3, () -> {
                gateway[0].process().destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown at all
                gateway[0].close();
                gateway[0] = DistributionProcess.start(DIST, "hybridfog-gateway.jar", tmp.resolve("gateway"), gatewayArgs);
            }, null);
            System.out.println("gateway process killed after " + total / 3 + " answers: " + s.summary());
            assertEquals(total, s.answered(), "lost samples: " + s.summary() + "\n" + gateway[0].output());
            assertEquals(0, s.conflicting(), "samples answered twice with different results: " + s.summary());
        } finally {
            gateway[0].close();
        }
    }

    /**
     * The cloud worker process is killed (SIGKILL) while a device sends 40 samples/s, stays away 30 s and is started
     * again: offloaded samples are answered by the early exit after offload.timeout.ms meanwhile (EDGE_FALLBACK), by
     * the cloud again once it is back; none is lost.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void cloudProcessKilledFor30SecondsLeavesNoSampleUnanswered(@TempDir Path tmp) throws Exception {
        String[] cloudArgs = {"--config", config(tmp, "cloud", SecureDeployment.CLOUD).toString(), "--broker", broker.url()};
        DistributionProcess[] cloud = {DistributionProcess.start(CLOUD_DIST, "hybridfog-cloud.jar", tmp.resolve("cloud"), cloudArgs)};
        try (DistributionProcess gateway = DistributionProcess.start(DIST, "hybridfog-gateway.jar", tmp.resolve("gateway"),
                "--config", config(tmp, "gateway", SecureDeployment.GATEWAY).toString(), "--broker", broker.url())) {
            assertTrue(cloud[0].awaitOutput("ready:", 45_000), "cloud worker not ready:\n" + cloud[0].output());
            assertTrue(gateway.awaitOutput("ready:", 45_000), "gateway not ready:\n" + gateway.output());
            int perSecond = 40;
            int total = perSecond * 50; // 5 s before the kill, 30 s away, 15 s after
            DeviceStream s = DeviceStream.run(SecureDeployment.settings(broker, "test-device-stream", "dev-1"), total, perSecond, perSecond * 5, () -> {
                cloud[0].process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                cloud[0].close();
            }, new DeviceStream.Fault(perSecond * 35, () ->
                    cloud[0] = DistributionProcess.start(CLOUD_DIST, "hybridfog-cloud.jar", tmp.resolve("cloud"), cloudArgs)));
            System.out.println("cloud process killed for 30 s: " + s.summary());
            assertEquals(total, s.answered(), "lost samples: " + s.summary() + "\n" + gateway.output());
            assertEquals(0, s.conflicting(), "samples answered twice with different results: " + s.summary());
            assertTrue(s.byExit().getOrDefault("EDGE_FALLBACK", 0) > 0, "no fallback while the cloud was away: " + s.summary());
            assertTrue(s.cloudAnswersAmongLast(perSecond * 5) > 0, "the cloud did not answer again: " + s.summary());
        } finally {
            cloud[0].close();
        }
    }

    /**
     * A copy of config/&lt;role&gt; (once per test folder) whose MQTT configuration logs in as {@code account} over TLS
     * with the test CA; {@code --broker} gives the ssl:// URL.
     */
    private static Path config(Path tmp, String role, String account) throws IOException {
        Path copy = tmp.resolve("config-" + role);
        if (!Files.isDirectory(copy)) {
            Files.createDirectories(copy);
            try (var files = Files.list(HOME.resolve("config").resolve(role))) {
                for (Path f : files.toList()) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
            Files.writeString(copy.resolve("io.hybridfog.mqtt.cfg"), "\nusername=" + account + "\npassword=secret-" + account
                    + "\ntls.ca.file=" + SecureDeployment.secrets().resolve("ca.crt") + "\n", StandardOpenOption.APPEND);
        }
        return copy;
    }

    /** index*2 -> exit_pred, index*2+1 -> cloud_pred, from the PyTorch reference of the committed model. */
    private static Map<Integer, Integer> referencePredictions() throws IOException {
        Map<Integer, Integer> m = new HashMap<>();
        List<String> lines = Files.readAllLines(HOME.resolve("models/fashion-mnist/reference-predictions.csv"));
        for (String line : lines.subList(1, Math.min(lines.size(), 101))) {
            String[] f = line.split(",");
            int index = Integer.parseInt(f[0]);
            m.put(index * 2, Integer.parseInt(f[2]));
            m.put(index * 2 + 1, Integer.parseInt(f[4]));
        }
        return m;
    }

    private static List<Path> pngs() throws IOException {
        try (var s = Files.list(HOME.resolve("models/fashion-mnist/png"))) {
            List<Path> l = new ArrayList<>(s.filter(p -> p.toString().endsWith(".png")).sorted().toList());
            assertTrue(l.size() >= 5, "PNGs in models/fashion-mnist/png: " + l);
            return l;
        }
    }
}
