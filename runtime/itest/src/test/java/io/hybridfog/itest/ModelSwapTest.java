package io.hybridfog.itest;

import static io.hybridfog.itest.RuntimeFixture.WINDOW;
import static io.hybridfog.itest.RuntimeFixture.assertExactlyOneResultEach;
import static io.hybridfog.itest.RuntimeFixture.modelName;
import static io.hybridfog.itest.RuntimeFixture.modelVersion;
import static io.hybridfog.itest.RuntimeFixture.refs;
import static io.hybridfog.itest.RuntimeFixture.sendAll;
import static io.hybridfog.itest.RuntimeFixture.setUpRuntime;
import static io.hybridfog.itest.RuntimeFixture.text;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.models.ModelVersionStatus;
import io.hybridfog.api.models.ModelVersionStatus.State;
import io.hybridfog.edge.GatewayMetrics;
import io.hybridfog.onnx.testing.ModelBundleJars;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Model hot swap in a real Felix, the way operators do it: model bundle jars dropped into (and removed from) the
 * folder FileInstall watches, and the Gogo commands, while a device streams real Fashion-MNIST images over MQTT 5.
 * The jars are the committed model under other version numbers (same weights, so the reference predictions hold
 * for every version), written on the driver side by bundles/onnx's {@link ModelBundleJars}.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ModelSwapTest {

    @Configuration
    public Option[] config() throws Exception {
        ModelDeployment.writeJars();
        return RuntimeFixture.frameworkOptions("itest-swap-deploy");
    }

    /** (1) A newer version dropped into the deploy folder mid-stream: every sample gets exactly one correct result. */
    @Test
    public void swappingVersionsUnderLoadAnswersEverySampleOnceNamingItsVersion() throws Exception {
        setUpRuntime();
        Map<String, Integer> indexOf = new LinkedHashMap<>();
        Map<String, byte[]> payloads = samples("swap", 1500, indexOf);
        GatewayMetrics gateway = InFramework.service(GatewayMetrics.class, null, 10_000);
        GatewayMetrics.Snapshot before = gateway.snapshot();
        String jar = "fashion-mnist-hybrid-1.1.0.jar";
        try (Device device = new Device(InFramework.brokerUrl(), "itest-swap")) {
            CompletableFuture<Map<String, Device.Received>> stream = CompletableFuture.supplyAsync(() -> {
                try {
                    return sendAll(device, payloads, 120_000);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitResults(device, 200);
            ModelDeployment.deploy(jar);
            ModelDeployment.awaitActive("1.1.0");
            int resultsAtSwitch = device.allResults().size();
            Map<String, Device.Received> results = stream.get(150, TimeUnit.SECONDS);
            Thread.sleep(300); // late duplicates would arrive now
            assertExactlyOneResultEach(device, payloads.keySet());
            assertTrue("switch happened mid-stream: " + resultsAtSwitch + " of " + payloads.size() + " results before it",
                    resultsAtSwitch < payloads.size() - 100);

            Map<String, Integer> perVersion = new TreeMap<>();
            for (Map.Entry<String, Device.Received> e : results.entrySet()) {
                JsonNode r = e.getValue().json();
                assertNull(e.getKey() + " failed during the swap: " + r, r.get("error"));
                FashionMnist.Reference ref = refs.get(indexOf.get(e.getKey()));
                assertEquals(e.getKey() + ": " + r, "EDGE".equals(text(r, "exit")) ? ref.exitPred() : ref.cloudPred(),
                        r.get("predictedClass").asInt());
                perVersion.merge(text(r, "modelVersion"), 1, Integer::sum);
            }
            assertEquals("results per version " + perVersion, java.util.Set.of(modelVersion, "1.1.0"), perVersion.keySet());
            // after the switch, only samples already in flight then (at most WINDOW) may still name the old version
            List<Device.Received> arrival = device.allResults();
            long oldAfterSwitch = arrival.subList(resultsAtSwitch, arrival.size()).stream()
                    .filter(r -> modelVersion.equals(text(r.json(), "modelVersion"))).count();
            assertTrue(oldAfterSwitch + " results of the old version arrived after the switch at result #" + resultsAtSwitch
                    + "; at most " + WINDOW + " samples were in flight then", oldAfterSwitch <= WINDOW);
            GatewayMetrics.Snapshot after = gateway.snapshot();
            assertEquals("gateway errors during the swap", before.errorTotal(), after.errorTotal());
            System.out.println("hot swap under load: " + payloads.size() + " samples, results per version " + perVersion
                    + ", switch after " + resultsAtSwitch + " results, " + (after.swapRetries() - before.swapRetries())
                    + " samples re-run on the new version because the old one closed under them");
        } finally {
            ModelDeployment.undeploy(jar, "1.1.0");
        }
    }

    /** (2) Corrupt bundles (checksum mismatch, truncated ONNX) are rejected with the reason; the old version serves. */
    @Test
    public void corruptBundlesAreRejectedAndTheRunningVersionKeepsServing() throws Exception {
        setUpRuntime();
        List<String> jars = List.of("fashion-mnist-hybrid-1.2.0-checksum_mismatch.jar", "fashion-mnist-hybrid-1.2.1-truncated_model.jar");
        try {
            for (String jar : jars) {
                ModelDeployment.deploy(jar);
            }
            ModelVersionStatus checksum = ModelDeployment.awaitStatus("1.2.0", State.REJECTED);
            ModelVersionStatus truncated = ModelDeployment.awaitStatus("1.2.1", State.REJECTED);
            assertTrue(checksum.detail(), checksum.detail().contains("SHA-256"));
            assertTrue(truncated.detail(), truncated.detail().contains("ONNX Runtime cannot load the edge partition"));
            assertEquals(modelVersion, ModelDeployment.active().version());
            assertEquals("every result from the running version", Map.of(modelVersion, 40), classify("after-corrupt", 40));
            String models = gogo("hybridfog:models");
            assertTrue(models, models.contains("1.2.0") && models.contains("REJECTED") && models.contains("SHA-256"));
        } finally {
            ModelDeployment.undeploy(jars.get(0), "1.2.0");
            ModelDeployment.undeploy(jars.get(1), "1.2.1");
        }
    }

    /** (3) Rollback is one Gogo command, and it sticks until hybridfog:follow. */
    @Test
    public void rollbackWithOneCommandAndFollowTheNewestAgain() throws Exception {
        setUpRuntime();
        String jar = "fashion-mnist-hybrid-1.1.0.jar";
        try {
            ModelDeployment.deploy(jar);
            ModelDeployment.awaitActive("1.1.0");
            assertEquals(Map.of("1.1.0", 20), classify("before-rollback", 20));

            String out = gogo("hybridfog:rollback " + modelName);
            assertTrue(out, out.contains(modelName + ":" + modelVersion + " (pinned)"));
            assertEquals(modelVersion, ModelDeployment.active().version());
            assertTrue(ModelDeployment.active().pinned());
            assertEquals(Map.of(modelVersion, 20), classify("after-rollback", 20));
            String models = gogo("hybridfog:models");
            assertTrue(models, models.contains("STANDBY") && models.contains("ACTIVE"));

            out = gogo("hybridfog:follow " + modelName);
            assertTrue(out, out.contains(modelName + ":1.1.0"));
            assertEquals(Map.of("1.1.0", 20), classify("after-follow", 20));
        } finally {
            gogo("hybridfog:follow " + modelName);
            ModelDeployment.undeploy(jar, "1.1.0");
        }
    }

    /** (4) An edge version whose cloud partition is not installed: offloads get a clear UNKNOWN_MODEL error. */
    @Test
    public void edgeCloudVersionMismatchGivesAClearError() throws Exception {
        setUpRuntime();
        String jar = "fashion-mnist-hybrid-1.3.0-edge-only.jar";
        FashionMnist.Reference hardest = refs.stream().max(java.util.Comparator.comparingDouble(FashionMnist.Reference::exitEntropyNats)).orElseThrow();
        FashionMnist.Reference easiest = refs.stream().min(java.util.Comparator.comparingDouble(FashionMnist.Reference::exitEntropyNats)).orElseThrow();
        byte[][] idx = FashionMnist.testImages();
        try (Device device = new Device(InFramework.brokerUrl(), "itest-mismatch")) {
            ModelDeployment.deploy(jar);
            ModelDeployment.awaitActive("1.3.0");
            device.publish("hard", FashionMnist.png(idx[hardest.index()]));
            device.publish("easy", FashionMnist.png(idx[easiest.index()]));
            Device.Received hard = device.await("hard", 20_000);
            Device.Received easy = device.await("easy", 20_000);
            assertTrue("results within 20 s\n" + InFramework.describe(), hard != null && easy != null);
            assertEquals(hard.json().toString(), ErrorCode.UNKNOWN_MODEL.name(), text(hard.json(), "error"));
            String message = text(hard.json(), "errorMessage");
            assertTrue(message, message.contains("no cloud partition of " + modelName + " version 1.3.0")
                    && message.contains(modelVersion));
            assertEquals("1.3.0", text(hard.json(), "modelVersion"));
            assertNull(easy.json().toString(), easy.json().get("error"));
            assertEquals("EDGE", text(easy.json(), "exit"));
        } finally {
            ModelDeployment.undeploy(jar, "1.3.0");
        }
    }

    /** Gogo: the gateway's counters and exit rule; the threshold changes at run time without a gateway restart. */
    @Test
    public void gogoShowsTheGatewayAndChangesTheThresholdWithoutARestart() throws Exception {
        setUpRuntime();
        Object serviceId = InFramework.reference(GatewayMetrics.class, null, 10_000).getProperty("service.id");
        try {
            String out = gogo("hybridfog:threshold 3");
            assertTrue(out, out.contains("exit.threshold = 3.0"));
            awaitExitRule("threshold 3.0 nats (exit.threshold");
            Map<String, Integer> exits = new TreeMap<>();
            for (JsonNode r : classifyAll("threshold-3", 20)) {
                exits.merge(text(r, "exit"), 1, Integer::sum);
            }
            assertEquals("3 nats > ln 10: every sample exits at the edge", Map.of("EDGE", 20), exits);
            String gateway = gogo("hybridfog:gateway");
            assertTrue(gateway, gateway.contains("policy entropy, threshold 3.0 nats") && gateway.contains("edge exits"));
            assertEquals("the gateway was not restarted", serviceId,
                    InFramework.reference(GatewayMetrics.class, null, 10_000).getProperty("service.id"));
        } finally {
            gogo("hybridfog:threshold model");
            awaitExitRule("calibrated threshold of");
        }
        String cloud = gogo("hybridfog:cloud");
        assertTrue(cloud, cloud.contains("requests"));
    }

    // ---------------------------------------------------------------------------------------------------------

    private static Map<String, byte[]> samples(String prefix, int n, Map<String, Integer> indexOf) throws Exception {
        byte[][] idx = FashionMnist.testImages();
        Map<String, byte[]> payloads = new LinkedHashMap<>();
        for (int k = 0; k < n; k++) {
            int index = (7 + 37 * k) % idx.length;
            indexOf.put(prefix + "-" + k, index);
            payloads.put(prefix + "-" + k, FashionMnist.png(idx[index]));
        }
        return payloads;
    }

    /** Classifies n real images; returns the number of results per model version (all must be free of errors). */
    private static Map<String, Integer> classify(String prefix, int n) throws Exception {
        Map<String, Integer> perVersion = new TreeMap<>();
        for (JsonNode r : classifyAll(prefix, n)) {
            perVersion.merge(text(r, "modelVersion"), 1, Integer::sum);
        }
        return perVersion;
    }

    private static List<JsonNode> classifyAll(String prefix, int n) throws Exception {
        Map<String, Integer> indexOf = new LinkedHashMap<>();
        Map<String, byte[]> payloads = samples(prefix, n, indexOf);
        List<JsonNode> out = new ArrayList<>();
        try (Device device = new Device(InFramework.brokerUrl(), "itest-" + prefix)) {
            for (Device.Received r : sendAll(device, payloads, 60_000).values()) {
                assertNull(prefix + ": " + r.json(), r.json().get("error"));
                out.add(r.json());
            }
        }
        return out;
    }

    private static void awaitResults(Device device, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (device.allResults().size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fewer than " + n + " results within 60 s\n" + InFramework.describe());
            }
            Thread.sleep(5);
        }
    }

    private static void awaitExitRule(String fragment) throws InterruptedException {
        GatewayMetrics gateway = InFramework.service(GatewayMetrics.class, null, 10_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!gateway.exitRule().contains(fragment)) {
            assertTrue("exit rule is '" + gateway.exitRule() + "', expected '" + fragment + "' within 20 s",
                    System.nanoTime() < deadline);
            Thread.sleep(20);
        }
    }

    /** Runs a command through the Gogo runtime, as an operator at the shell would; returns what it printed. */
    private static String gogo(String command) throws Exception {
        CommandProcessor processor = InFramework.service(CommandProcessor.class, null, 10_000);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            Object result = session.execute(command);
            if (result != null) {
                out.println(result);
            }
        } finally {
            session.close();
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
