package io.hybridfog.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import com.fasterxml.jackson.databind.JsonNode;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.edge.GatewayMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.ops4j.pax.exam.Option;

/**
 * What the Pax Exam test classes share: the framework options (driver side), and inside the framework the runtime
 * set-up (configuration through ConfigAdmin, warm-up) and the device-side helpers. State is per framework: each
 * test class boots its own Felix, with its own copy of these statics.
 */
final class RuntimeFixture {
    /** Exit decisions are compared with the reference only for entropies at least this far from the threshold. */
    static final double DECISION_MARGIN_NATS = 0.002;
    /** Samples a device has in flight at once (published, no result yet). */
    static final int WINDOW = 8;

    private static boolean ready;
    private static Throwable setUpFailure;
    static String modelName;
    static String modelVersion;
    static double activeThreshold;
    static List<FashionMnist.Reference> refs;

    private RuntimeFixture() {
    }

    /**
     * Driver side: starts the shared Mosquitto and returns the framework options: the demo runtime's bundles, and
     * FileInstall watching {@code target/<deployFolder>} (created empty; its path reaches the tests as the system
     * property {@code hybridfog.itest.deploy}).
     */
    static Option[] frameworkOptions(String deployFolder) throws Exception {
        Path target = Path.of(System.getProperty("hybridfog.itest.target", "target")).toAbsolutePath();
        Broker.start();
        Path fileinstall = target.resolve(deployFolder);
        if (Files.isDirectory(fileinstall)) {
            try (var old = Files.list(fileinstall)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(fileinstall);
        return options(
                cleanCaches(true),
                workingDirectory(target.resolve("pax-exam").toString()),
                // bundles see only what the framework exports, not the surefire class path
                frameworkProperty("felix.bootdelegation.implicit").value("false"),
                // as in the runtime: gogo must not stop the framework when stdin is closed
                frameworkProperty("gosh.args").value("--nointeractive"),
                // the demo runtime's FileInstall (configuration comes from ConfigAdmin, bundles may be dropped in)
                frameworkProperty("felix.fileinstall.dir").value(fileinstall.toString()),
                frameworkProperty("felix.fileinstall.poll").value("200"),
                frameworkProperty("felix.fileinstall.log.level").value("2"),
                systemProperty("hybridfog.itest.deploy").value(fileinstall.toString()),
                // Pax Exam's pax-logging-api logs to stdout (surefire-reports/*-output.txt); its default is DEBUG
                frameworkProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("INFO"),
                junitBundles(),
                composite(RuntimeBundles.options()));
    }

    /** Publishes every sample with at most WINDOW in flight; returns sample id -> first result. */
    static Map<String, Device.Received> sendAll(Device device, Map<String, byte[]> payloads, long timeoutMs)
            throws Exception {
        Semaphore window = new Semaphore(WINDOW);
        java.util.Set<String> expected = java.util.concurrent.ConcurrentHashMap.newKeySet();
        expected.addAll(payloads.keySet());
        device.onResult(r -> {
            if (expected.remove(r.sampleId())) {
                window.release();
            }
        });
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (Map.Entry<String, byte[]> e : payloads.entrySet()) {
            long left = deadline - System.nanoTime();
            if (!window.tryAcquire(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                fail("no room in the window of " + WINDOW + " within " + timeoutMs + " ms; still waiting for "
                        + expected.size() + " results, e.g. " + expected.stream().limit(10).toList() + "\n" + InFramework.describe());
            }
            device.publish(e.getKey(), e.getValue());
        }
        while (!expected.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue("no result within " + timeoutMs + " ms for " + expected.size() + " samples, e.g. "
                + expected.stream().limit(10).toList() + "\n" + InFramework.describe(), expected.isEmpty());
        Map<String, Device.Received> first = new TreeMap<>();
        for (String id : payloads.keySet()) {
            first.put(id, device.results(id).get(0));
        }
        return first;
    }

    /** Result wire format: on the device's result topic, sample id echoed as correlation data, JSON content type. */
    static void assertWire(Device.Received r, String sampleId, String deviceId) {
        assertEquals(sampleId + " topic", Device.RESULTS + deviceId, r.topic());
        assertEquals(sampleId + " correlation data", sampleId, r.correlationData());
        assertEquals(sampleId + " content type", "application/json", r.contentType());
        assertEquals(sampleId + " sampleId", sampleId, r.sampleId());
    }

    static void assertExactlyOneResultEach(Device device, Collection<String> ids) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Device.Received r : device.allResults()) {
            counts.merge(String.valueOf(r.sampleId()), 1, Integer::sum);
        }
        Map<String, Integer> wrong = new TreeMap<>();
        for (String id : ids) {
            int c = counts.getOrDefault(id, 0);
            if (c != 1) {
                wrong.put(id, c);
            }
        }
        for (String id : counts.keySet()) {
            if (!ids.contains(id)) {
                wrong.put("unexpected " + id, counts.get(id));
            }
        }
        assertTrue("every sample must get exactly one result; wrong counts: " + wrong, wrong.isEmpty());
    }

    /**
     * Once per framework: applies the runtime configuration (config/demo + this test's broker, gateway id and model)
     * through ConfigAdmin, waits until SCR runs with it and for the partitions and the bus,
     * and warms the pipeline up until a clearly-easy sample came back from the EDGE and a clearly-hard one from the
     * CLOUD (so the gateway and the cloud worker are both subscribed before the measured tests publish).
     */
    static synchronized void setUpRuntime() throws Exception {
        if (ready) {
            return;
        }
        if (setUpFailure != null) {
            throw new AssertionError("runtime set-up failed in an earlier test", setUpFailure);
        }
        try {
            doSetUpRuntime();
        } catch (Exception | AssertionError e) {
            setUpFailure = e;
            throw e;
        }
    }

    private static void doSetUpRuntime() throws Exception {
        JsonNode metrics = FashionMnist.metrics();
        modelName = metrics.get("model").asText();
        modelVersion = metrics.get("version").asText();
        refs = FashionMnist.references();
        Map<String, Map<String, String>> config = InFramework.runtimeConfiguration(modelName);
        for (Map.Entry<String, Map<String, String>> e : config.entrySet()) {
            InFramework.configure(e.getKey(), e.getValue());
        }
        InFramework.awaitConfigurationApplied(config, 30_000);
        InFramework.bus(30_000);
        EdgePartition edge = InFramework.edge(modelName, 30_000);
        InFramework.cloud(modelName, 30_000);
        String configured = config.get("io.hybridfog.edge").get("exit.threshold");
        activeThreshold = configured != null ? Double.parseDouble(configured) : edge.descriptor().exitPolicy().threshold();
        warmUp();
        ready = true;
    }

    static void warmUp() throws Exception {
        byte[][] idx = FashionMnist.testImages();
        FashionMnist.Reference easiest = refs.get(0), hardest = refs.get(0);
        for (FashionMnist.Reference r : refs) {
            if (r.exitEntropyNats() < easiest.exitEntropyNats()) {
                easiest = r;
            }
            if (r.exitEntropyNats() > hardest.exitEntropyNats()) {
                hardest = r;
            }
        }
        boolean expectCloud = hardest.exitEntropyNats() > activeThreshold + DECISION_MARGIN_NATS;
        boolean expectEdge = easiest.exitEntropyNats() < activeThreshold - DECISION_MARGIN_NATS;
        byte[] easy = FashionMnist.png(idx[easiest.index()]);
        byte[] hard = FashionMnist.png(idx[hardest.index()]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        List<String> sent = new ArrayList<>();
        try (Device device = new Device(InFramework.brokerUrl(), "itest-warmup-" + System.nanoTime())) {
            for (int k = 0; ; k++) {
                boolean edgeSeen = false, cloudSeen = false;
                for (Device.Received r : device.allResults()) {
                    if (r.json().get("error") == null) {
                        edgeSeen |= "EDGE".equals(text(r.json(), "exit"));
                        cloudSeen |= "CLOUD".equals(text(r.json(), "exit"));
                    }
                }
                if ((edgeSeen || !expectEdge) && (cloudSeen || !expectCloud) && !device.allResults().isEmpty()) {
                    // Let every warm-up sample that reached the gateway be answered, so that no late one is counted
                    // by the next test (samples published before the gateway subscribed are simply lost).
                    awaitQuiet(device, sent);
                    return;
                }
                if (System.nanoTime() > deadline) {
                    fail("runtime not ready within 45 s (EDGE result seen " + edgeSeen + ", CLOUD result seen " + cloudSeen
                            + "); warm-up results: " + device.allResults().stream().map(r -> r.json().toString()).toList()
                            + "; device problems " + device.problems() + "\n" + InFramework.describe());
                }
                if (!edgeSeen) {
                    device.publishAsync("warm-edge-" + k, easy);
                    sent.add("warm-edge-" + k);
                }
                if (!cloudSeen && expectCloud) {
                    device.publishAsync("warm-cloud-" + k, hard);
                    sent.add("warm-cloud-" + k);
                }
                Thread.sleep(1000);
            }
        }
    }

    private static void awaitQuiet(Device device, List<String> sent) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int seen = -1;
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            int now = device.allResults().size();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            }
            GatewayMetrics.Snapshot s = InFramework.service(GatewayMetrics.class, null, 10_000).snapshot();
            if (now >= sent.size() || (s.queued() == 0 && s.pendingOffloads() == 0
                    && System.nanoTime() - quietSince > TimeUnit.MILLISECONDS.toNanos(1000))) {
                return;
            }
            Thread.sleep(50);
        }
        fail("warm-up traffic did not settle within 20 s: " + seen + " results for " + sent.size() + " samples");
    }

    static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

}
