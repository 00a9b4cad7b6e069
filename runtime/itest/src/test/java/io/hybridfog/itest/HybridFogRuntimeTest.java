package io.hybridfog.itest;

import static io.hybridfog.itest.RuntimeFixture.DECISION_MARGIN_NATS;
import static io.hybridfog.itest.RuntimeFixture.activeThreshold;
import static io.hybridfog.itest.RuntimeFixture.assertExactlyOneResultEach;
import static io.hybridfog.itest.RuntimeFixture.assertWire;
import static io.hybridfog.itest.RuntimeFixture.modelName;
import static io.hybridfog.itest.RuntimeFixture.modelVersion;
import static io.hybridfog.itest.RuntimeFixture.refs;
import static io.hybridfog.itest.RuntimeFixture.sendAll;
import static io.hybridfog.itest.RuntimeFixture.setUpRuntime;
import static io.hybridfog.itest.RuntimeFixture.text;
import static io.hybridfog.itest.RuntimeFixture.warmUp;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.PartitionProperties;
import io.hybridfog.api.Tensor;
import io.hybridfog.edge.GatewayMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * The HybridFog runtime in a real Felix 7 (Pax Exam native container): exactly the demo runtime's bundles plus the
 * Fashion-MNIST model bundle, configured through ConfigAdmin with the demo configuration pointed at a private
 * Mosquitto on loopback; a simulated device publishes real images over MQTT 5 and reads the JSON results.
 * Expected outputs come from the training side (models/fashion-mnist/reference-predictions.csv, metrics.json,
 * preprocess-reference.json), not from the Java code under test.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HybridFogRuntimeTest {
    /** Images per end-to-end run taken from the t10k IDX file (beside the committed PNGs). */
    static final int IDX_SAMPLES = 300;

    @Configuration
    public Option[] config() throws Exception {
        return RuntimeFixture.frameworkOptions("itest-fileinstall");
    }

    // ---------------------------------------------------------------------------------------------------------
    // 1. the model bundle's partition services

    @Test
    public void modelBundleRegistersEdgeAndCloudPartitionsWithDescriptor() throws Exception {
        setUpRuntime();
        JsonNode metrics = FashionMnist.metrics();
        String filter = InFramework.modelFilter(modelName);
        Collection<ServiceReference<EdgePartition>> edges = InFramework.references(EdgePartition.class, filter);
        Collection<ServiceReference<CloudPartition>> clouds = InFramework.references(CloudPartition.class, filter);
        assertEquals("EdgePartition services " + filter, 1, edges.size());
        assertEquals("CloudPartition services " + filter, 1, clouds.size());
        ServiceReference<EdgePartition> er = edges.iterator().next();
        ServiceReference<CloudPartition> cr = clouds.iterator().next();
        for (ServiceReference<?> r : List.of(er, cr)) {
            assertEquals(r + " " + PartitionProperties.MODEL, metrics.get("model").asText(), r.getProperty(PartitionProperties.MODEL));
            assertEquals(r + " " + PartitionProperties.VERSION, metrics.get("version").asText(), r.getProperty(PartitionProperties.VERSION));
        }
        ModelDescriptor ed = InFramework.context().getService(er).descriptor();
        ModelDescriptor cd = InFramework.context().getService(cr).descriptor();
        for (ModelDescriptor d : List.of(ed, cd)) {
            assertEquals("name", modelName, d.name());
            assertEquals("version", modelVersion, d.version());
            assertEquals("labels", FashionMnist.LABELS, d.labels());
            assertEquals(10, d.numClasses());
            assertEquals("input name", "image", d.input().name());
            assertArrayEquals("input shape C,H,W", new long[] {1, 28, 28}, d.input().shape());
            assertEquals("pixel scale", 255f, d.input().pixelScale(), 0f);
            assertArrayEquals("mean", new float[] {0.2860f}, d.input().mean(), 0f);
            assertArrayEquals("std", new float[] {0.3530f}, d.input().std(), 0f);
            assertEquals("color", "grayscale", d.input().color());
            assertEquals("features name", "features", d.features().name());
            assertArrayEquals("features shape", new long[] {128, 7, 7}, d.features().shape());
            assertTrue("binary features", d.features().binary());
            assertEquals("exit output", "exit_logits", d.exitOutput());
            assertEquals("features output", "features", d.featuresOutput());
            assertEquals("cloud output", "logits", d.cloudOutput());
            assertEquals("exit policy", "entropy", d.exitPolicy().policy());
            assertEquals("threshold unit", "nats", d.exitPolicy().unit());
            assertEquals("calibrated threshold (metrics.json threshold_nats)", metrics.get("threshold_nats").asDouble(),
                    d.exitPolicy().threshold(), 1e-9);
            JsonNode macs = metrics.get("macs");
            assertEquals("edge MACs by bits", bitsMap(macs.get("edge")), d.macs().edgeByBits());
            assertEquals("cloud MACs by bits", bitsMap(macs.get("cloud")), d.macs().cloudByBits());
            assertEquals("exit MACs", macs.get("edge_exit_fp32").asLong(), d.macs().edgeExitFp32());
            assertEquals("reference MACs", macs.get("reference_fp32").asLong(), d.macs().referenceFp32());
        }
    }

    /** The partition services run the committed ONNX files: PyTorch's outputs for the preprocessed reference images. */
    @Test
    public void partitionServicesReproduceTrainingSideOutputs() throws Exception {
        setUpRuntime();
        EdgePartition edge = InFramework.edge(modelName, 10_000);
        CloudPartition cloud = InFramework.cloud(modelName, 10_000);
        JsonNode pre = FashionMnist.preprocessReference();
        List<String> names = new ArrayList<>();
        pre.fieldNames().forEachRemaining(names::add);
        names.sort(null);
        assertTrue("preprocess-reference.json has images", names.size() >= 4);
        int n = names.size();
        float[] batch = new float[n * 784];
        for (int i = 0; i < n; i++) {
            JsonNode v = pre.get(names.get(i));
            assertEquals(784, v.size());
            for (int j = 0; j < 784; j++) {
                batch[i * 784 + j] = (float) v.get(j).asDouble();
            }
        }
        EdgeOutput out = edge.run(new Tensor(new long[] {n, 1, 28, 28}, batch));
        assertArrayEquals("exit logits shape", new long[] {n, 10}, out.exitLogits().shape());
        assertArrayEquals("features shape", new long[] {n, 128, 7, 7}, out.features().shape());
        for (float f : out.features().data()) {
            if (f != 1f && f != -1f) {
                fail("binary features must be exactly -1 or +1, got " + f);
            }
        }
        Tensor logits = cloud.run(out.features());
        assertArrayEquals("cloud logits shape", new long[] {n, 10}, logits.shape());
        for (int i = 0; i < n; i++) {
            FashionMnist.Reference r = refs.get(Integer.parseInt(names.get(i).substring(5, 10)));
            float[] e = Arrays.copyOfRange(out.exitLogits().data(), i * 10, i * 10 + 10);
            float[] c = Arrays.copyOfRange(logits.data(), i * 10, i * 10 + 10);
            assertEquals(names.get(i) + " exit argmax", r.exitPred(), argmax(e));
            assertEquals(names.get(i) + " exit entropy (nats)", r.exitEntropyNats(), entropyNats(e), 2e-3);
            assertEquals(names.get(i) + " cloud argmax", r.cloudPred(), argmax(c));
        }
        try {
            edge.run(new Tensor(new long[] {1, 1, 27, 28}, new float[27 * 28]));
            fail("a 27x28 input must be refused");
        } catch (HybridFogException e) {
            assertEquals(ErrorCode.WRONG_SHAPE, e.code());
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // 2. end to end over MQTT 5

    @Test
    public void classifiesRealImagesEndToEndOverMqtt() throws Exception {
        setUpRuntime();
        byte[][] idx = FashionMnist.testImages();
        int[] labels = FashionMnist.testLabels();
        assertEquals(10_000, idx.length);
        assertEquals(refs.size(), labels.length);

        // sample id -> (t10k index, payload)
        Map<String, Integer> indexOf = new LinkedHashMap<>();
        Map<String, byte[]> payloads = new LinkedHashMap<>();
        for (Path p : FashionMnist.committedPngs()) {
            byte[] png = Files.readAllBytes(p);
            int index = FashionMnist.indexOfPng(p);
            assertArrayEquals(p + " is t10k image " + index, idx[index], FashionMnist.pixelsOfPng(png));
            String id = "png-" + p.getFileName();
            indexOf.put(id, index);
            payloads.put(id, png);
        }
        assertTrue("committed PNGs in models/fashion-mnist/png", payloads.size() >= 4);
        for (int k = 0; k < IDX_SAMPLES; k++) {
            int index = 8 + 33 * k; // spread over the test set
            String id = "idx-" + index;
            indexOf.put(id, index);
            payloads.put(id, FashionMnist.png(idx[index]));
        }

        // The model's calibrated threshold, unless the reference says that it sends (almost) all of these samples
        // the same way: then a threshold between the reference entropies is set through ConfigAdmin.
        double threshold = activeThreshold;
        double[] entropies = indexOf.values().stream().mapToDouble(i -> refs.get(i).exitEntropyNats()).sorted().toArray();
        long expectedCloud = Arrays.stream(entropies).filter(h -> h >= activeThreshold).count();
        boolean override = expectedCloud < 10 || entropies.length - expectedCloud < 10;
        if (override) {
            threshold = splitThreshold(entropies, 0.75);
            System.out.println("end to end: calibrated threshold " + activeThreshold + " nats sends " + expectedCloud + " of "
                    + entropies.length + " samples to the cloud; exit.threshold=" + threshold + " set through ConfigAdmin");
            reconfigureEdge(Map.of("exit.threshold", Double.toString(threshold)));
        }
        GatewayMetrics.Snapshot before;
        GatewayMetrics.Snapshot after;
        Map<String, Device.Received> results;
        double seconds;
        try (Device device = new Device(InFramework.brokerUrl(), "itest-e2e")) {
            before = InFramework.service(GatewayMetrics.class, null, 10_000).snapshot();
            long t0 = System.nanoTime();
            results = sendAll(device, payloads, 50_000);
            seconds = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(500); // late duplicates would arrive now
            assertExactlyOneResultEach(device, payloads.keySet());
            assertTrue("device problems: " + device.problems(), device.problems().isEmpty());
            after = InFramework.service(GatewayMetrics.class, null, 10_000).snapshot();
        } finally {
            if (override) {
                reconfigureEdge(Map.of());
                warmUp();
            }
        }

        int n = payloads.size();
        int edgeExits = 0, cloudExits = 0, correct = 0, matchesReference = 0, decisionChecked = 0, decisionMatches = 0;
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, Device.Received> e : results.entrySet()) {
            String id = e.getKey();
            JsonNode r = e.getValue().json();
            assertWire(e.getValue(), id, "itest-e2e");
            int index = indexOf.get(id);
            FashionMnist.Reference ref = refs.get(index);
            assertNull(id + " error " + r, r.get("error"));
            assertEquals(id + " deviceId", "itest-e2e", text(r, "deviceId"));
            assertEquals(id + " model", modelName, text(r, "model"));
            assertEquals(id + " modelVersion", modelVersion, text(r, "modelVersion"));
            int predicted = r.get("predictedClass").asInt();
            assertTrue(id + " class " + predicted, predicted >= 0 && predicted < 10);
            assertEquals(id + " label", FashionMnist.LABELS.get(predicted), text(r, "label"));
            double confidence = r.get("confidence").asDouble();
            assertTrue(id + " confidence " + confidence, confidence >= 0.1 - 1e-9 && confidence <= 1 + 1e-9);
            String exit = text(r, "exit");
            int expected;
            if ("EDGE".equals(exit)) {
                edgeExits++;
                expected = ref.exitPred();
                assertEquals(id + " offloadBytes at EDGE", 0, r.get("offloadBytes").asLong());
            } else if ("CLOUD".equals(exit)) {
                cloudExits++;
                expected = ref.cloudPred();
                assertTrue(id + " offloadBytes at CLOUD", r.get("offloadBytes").asLong() > 0);
            } else {
                throw new AssertionError(id + " exit must be EDGE or CLOUD: " + r);
            }
            if (predicted == labels[index]) {
                correct++;
            }
            if (predicted == expected) {
                matchesReference++;
            } else {
                mismatches.add(id + " " + exit + " predicted " + predicted + ", reference " + expected);
            }
            // the exit decision follows the threshold wherever the reference entropy is not too close to it
            if (Math.abs(ref.exitEntropyNats() - threshold) > DECISION_MARGIN_NATS) {
                decisionChecked++;
                if ((ref.exitEntropyNats() < threshold) == "EDGE".equals(exit)) {
                    decisionMatches++;
                }
            }
        }
        String summary = String.format("%d samples in %.1f s: EDGE %d, CLOUD %d, accuracy %.4f, reference agreement %.4f, "
                        + "exit decisions %d/%d as the reference entropy and threshold %.4f say; mismatches %s",
                n, seconds, edgeExits, cloudExits, correct / (double) n, matchesReference / (double) n,
                decisionMatches, decisionChecked, threshold, mismatches);
        System.out.println("end to end: " + summary);
        assertEquals(summary, n, results.size());
        assertTrue("both exits must occur: " + summary, edgeExits > 0 && cloudExits > 0);
        assertTrue("accuracy >= 0.85: " + summary, correct >= 0.85 * n);
        assertTrue("reference agreement >= 0.99: " + summary, matchesReference >= 0.99 * n);
        assertTrue("exit decisions >= 0.99 as the reference says: " + summary, decisionMatches >= 0.99 * decisionChecked);
        // the gateway's own counters saw the same traffic
        assertEquals("GatewayMetrics samples", n, after.samples() - before.samples());
        assertEquals("GatewayMetrics edgeExits", edgeExits, after.edgeExits() - before.edgeExits());
        assertEquals("GatewayMetrics offloads", cloudExits, after.offloads() - before.offloads());
        assertEquals("GatewayMetrics cloudResults", cloudExits, after.cloudResults() - before.cloudResults());
        assertEquals("GatewayMetrics errors", before.errorTotal(), after.errorTotal());
        assertEquals("GatewayMetrics publishFailures", before.publishFailures(), after.publishFailures());
    }

    // ---------------------------------------------------------------------------------------------------------
    // model bundle life cycle

    /**
     * Stopping the model bundle withdraws its partitions (the gateway answers UNKNOWN_MODEL); starting it again
     * brings them back and samples are classified again, without restarting the gateway.
     */
    @Test
    public void stoppingTheModelBundleWithdrawsTheModelAndStartingItRestoresIt() throws Exception {
        setUpRuntime();
        Bundle model = null;
        for (Bundle b : InFramework.context().getBundles()) {
            if (modelName.equals(b.getHeaders("").get("HybridFog-Model"))) {
                assertNull("two bundles carry model " + modelName, model);
                model = b;
            }
        }
        assertNotNull("no bundle with the header HybridFog-Model: " + modelName, model);
        Path pngFile = FashionMnist.committedPngs().get(2);
        byte[] png = Files.readAllBytes(pngFile);
        FashionMnist.Reference ref = refs.get(FashionMnist.indexOfPng(pngFile));
        String filter = InFramework.modelFilter(modelName);
        long gatewayServiceId = (Long) InFramework.reference(GatewayMetrics.class, null, 10_000).getProperty("service.id");
        try (Device device = new Device(InFramework.brokerUrl(), "itest-lifecycle")) {
            model.stop();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!InFramework.references(EdgePartition.class, filter).isEmpty()
                    || !InFramework.references(CloudPartition.class, filter).isEmpty()) {
                assertTrue("partitions still registered 10 s after the model bundle stopped", System.nanoTime() < deadline);
                Thread.sleep(20);
            }
            device.publish("while-stopped", png);
            Device.Received r = device.await("while-stopped", 15_000);
            assertNotNull("no result while the model bundle is stopped\n" + InFramework.describe(), r);
            assertWire(r, "while-stopped", "itest-lifecycle");
            assertEquals("while the model bundle is stopped: " + r.json(), ErrorCode.UNKNOWN_MODEL.name(), text(r.json(), "error"));

            model.start();
            InFramework.edge(modelName, 30_000);
            InFramework.cloud(modelName, 30_000);
            device.publish("after-restart", png);
            r = device.await("after-restart", 15_000);
            assertNotNull("no result after the model bundle started again\n" + InFramework.describe(), r);
            JsonNode j = r.json();
            assertNull("after the model bundle started again: " + j, j.get("error"));
            assertEquals("after restart: " + j, "EDGE".equals(text(j, "exit")) ? ref.exitPred() : ref.cloudPred(),
                    j.get("predictedClass").asInt());
            assertEquals("the gateway was not restarted", gatewayServiceId,
                    InFramework.reference(GatewayMetrics.class, null, 10_000).getProperty("service.id"));
            Thread.sleep(300);
            assertExactlyOneResultEach(device, List.of("while-stopped", "after-restart"));
        } finally {
            if (model.getState() != Bundle.ACTIVE) {
                model.start();
            }
            InFramework.edge(modelName, 30_000);
            InFramework.cloud(modelName, 30_000);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // exit threshold override through ConfigAdmin

    /**
     * exit.threshold of PID io.hybridfog.edge, changed at run time: 0 nats sends every sample to the cloud, 3 nats
     * (above ln 10) answers every one at the edge; each answer is the reference prediction of that exit.
     */
    @Test
    public void exitThresholdOverrideThroughConfigAdminMovesTheExit() throws Exception {
        setUpRuntime();
        byte[][] idx = FashionMnist.testImages();
        Map<String, byte[]> payloads = new LinkedHashMap<>();
        Map<String, Integer> indexOf = new LinkedHashMap<>();
        for (int k = 0; k < 20; k++) {
            int index = 5000 + 97 * k;
            indexOf.put("t-" + index, index);
            payloads.put("t-" + index, FashionMnist.png(idx[index]));
        }
        try {
            for (String threshold : List.of("0", "3")) {
                reconfigureEdge(Map.of("exit.threshold", threshold));
                String expectedExit = threshold.equals("0") ? "CLOUD" : "EDGE";
                try (Device device = new Device(InFramework.brokerUrl(), "itest-threshold-" + threshold)) {
                    Map<String, Device.Received> results = sendAll(device, payloads, 30_000);
                    Thread.sleep(300);
                    assertExactlyOneResultEach(device, payloads.keySet());
                    for (Map.Entry<String, Device.Received> e : results.entrySet()) {
                        JsonNode r = e.getValue().json();
                        FashionMnist.Reference ref = refs.get(indexOf.get(e.getKey()));
                        assertNull(e.getKey() + " error: " + r, r.get("error"));
                        assertEquals("exit.threshold=" + threshold + ": " + r, expectedExit, text(r, "exit"));
                        assertEquals("exit.threshold=" + threshold + ": " + r,
                                expectedExit.equals("EDGE") ? ref.exitPred() : ref.cloudPred(), r.get("predictedClass").asInt());
                    }
                }
            }
        } finally {
            reconfigureEdge(Map.of());
            warmUp();
        }
    }

    /**
     * Applies the demo configuration of io.hybridfog.edge plus overrides, and waits until the gateway runs with it:
     * DS re-registers GatewayMetrics with the configuration as service properties once activate (which subscribes)
     * has returned.
     */
    private static void reconfigureEdge(Map<String, String> overrides) throws Exception {
        Map<String, String> values = new LinkedHashMap<>(InFramework.runtimeConfiguration(modelName).get("io.hybridfog.edge"));
        values.putAll(overrides);
        InFramework.configure("io.hybridfog.edge", values);
        InFramework.awaitConfigurationApplied(Map.of("io.hybridfog.edge", values), 20_000);
        StringBuilder filter = new StringBuilder("(&(gateway.id=" + values.get("gateway.id") + ")");
        filter.append(overrides.containsKey("exit.threshold")
                ? "(exit.threshold=" + overrides.get("exit.threshold") + ")" : "(!(exit.threshold=*))");
        InFramework.reference(GatewayMetrics.class, filter.append(")").toString(), 20_000);
    }

    // ---------------------------------------------------------------------------------------------------------
    // 3. malformed payloads

    @Test
    public void malformedPayloadGetsErrorResultAndNextSampleIsStillClassified() throws Exception {
        setUpRuntime();
        Path pngFile = FashionMnist.committedPngs().get(1);
        byte[] png = Files.readAllBytes(pngFile);
        FashionMnist.Reference ref = refs.get(FashionMnist.indexOfPng(pngFile));
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("bad-text", "this is not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        bad.put("bad-truncated-png", Arrays.copyOf(png, 40)); // PNG signature and IHDR, no image data
        try (Device device = new Device(InFramework.brokerUrl(), "itest-malformed")) {
            for (Map.Entry<String, byte[]> b : bad.entrySet()) {
                device.publish(b.getKey(), b.getValue());
                Device.Received r = device.await(b.getKey(), 15_000);
                assertNotNull("no result for " + b.getKey() + " within 15 s\n" + InFramework.describe(), r);
                JsonNode j = r.json();
                assertWire(r, b.getKey(), "itest-malformed");
                assertEquals(b.getKey() + ": " + j, ErrorCode.MALFORMED_PAYLOAD.name(), text(j, "error"));
                assertEquals(b.getKey() + " deviceId", "itest-malformed", text(j, "deviceId"));
                assertEquals(b.getKey() + " predictedClass", -1, j.get("predictedClass").asInt());
                assertNull(b.getKey() + " exit", j.get("exit"));
                assertNull(b.getKey() + " label", j.get("label"));
                assertNotNull(b.getKey() + " errorMessage", text(j, "errorMessage"));
            }
            device.publish("good-after-bad", png);
            Device.Received r = device.await("good-after-bad", 15_000);
            assertNotNull("no result for the valid sample after the malformed ones\n" + InFramework.describe(), r);
            JsonNode j = r.json();
            assertWire(r, "good-after-bad", "itest-malformed");
            assertNull("valid sample after malformed ones: " + j, j.get("error"));
            String exit = text(j, "exit");
            int expected = "EDGE".equals(exit) ? ref.exitPred() : ref.cloudPred();
            assertEquals("valid sample after malformed ones: " + j, expected, j.get("predictedClass").asInt());
            Thread.sleep(300);
            List<String> ids = new ArrayList<>(bad.keySet());
            ids.add("good-after-bad");
            assertExactlyOneResultEach(device, ids);
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * A threshold with about {@code edgeShare} of the sorted entropies below it, in a gap of at least twice
     * {@link #DECISION_MARGIN_NATS} between two of them, so that no sample sits on the boundary.
     */
    static double splitThreshold(double[] sorted, double edgeShare) {
        int k0 = (int) Math.round(edgeShare * sorted.length);
        for (int d = 0; d < sorted.length; d++) {
            for (int k : new int[] {k0 + d, k0 - d}) {
                if (k >= 1 && k < sorted.length && sorted[k] - sorted[k - 1] >= 2 * DECISION_MARGIN_NATS) {
                    return (sorted[k] + sorted[k - 1]) / 2;
                }
            }
        }
        throw new AssertionError("the reference entropies of the samples have no gap to put a threshold in");
    }

    private static Map<Integer, Long> bitsMap(JsonNode o) {
        Map<Integer, Long> m = new TreeMap<>();
        o.fields().forEachRemaining(e -> m.put(Integer.parseInt(e.getKey()), e.getValue().asLong()));
        return m;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double entropyNats(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double h = 0;
        for (float l : logits) {
            double p = Math.exp(l - max) / sum;
            if (p > 0) {
                h -= p * Math.log(p);
            }
        }
        return h;
    }
}
