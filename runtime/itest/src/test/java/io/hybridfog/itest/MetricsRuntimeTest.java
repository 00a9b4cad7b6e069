package io.hybridfog.itest;

import static io.hybridfog.itest.RuntimeFixture.assertExactlyOneResultEach;
import static io.hybridfog.itest.RuntimeFixture.modelName;
import static io.hybridfog.itest.RuntimeFixture.modelVersion;
import static io.hybridfog.itest.RuntimeFixture.sendAll;
import static io.hybridfog.itest.RuntimeFixture.setUpRuntime;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.hybridfog.api.transport.MessageBus;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The metrics bundle in the real runtime (Felix, the demo's bundles and configuration, Mosquitto, the Fashion-MNIST
 * model): off without configuration; once enabled through ConfigAdmin, a Prometheus scrape over HTTP on loopback
 * counts exactly the samples a device sent and their answers.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MetricsRuntimeTest {
    private static final int SAMPLES = 120;

    @Configuration
    public Option[] config() throws Exception {
        return RuntimeFixture.frameworkOptions("itest-metrics-fileinstall");
    }

    @Test
    public void scrapeCountsTheSamplesSentAndTheirAnswers() throws Exception {
        setUpRuntime();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/metrics";
        // the demo configuration has no io.hybridfog.metrics: off, nothing listens
        assertFalse("metrics endpoint listening without configuration", listening(port));

        InFramework.configure("io.hybridfog.metrics", Map.of("enabled", "true", "bind.address", "127.0.0.1",
                "port", Integer.toString(port)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Map<String, Double> before = Map.of();
        while (System.nanoTime() < deadline) {
            if (listening(port)) {
                before = parse(get(url));
                if (before.containsKey(samples()) && before.containsKey("hybridfog_cloud_requests_total")) {
                    break;
                }
            }
            Thread.sleep(100);
        }
        assertTrue("gateway and cloud metrics not served within 20 s: " + before.keySet() + "\n" + InFramework.describe(),
                before.containsKey(samples()) && before.containsKey("hybridfog_cloud_requests_total"));

        Map<String, byte[]> payloads = new LinkedHashMap<>();
        byte[][] idx = FashionMnist.testImages();
        for (int k = 0; k < SAMPLES; k++) {
            payloads.put("metrics-" + k, FashionMnist.png(idx[17 + 41 * k]));
        }
        try (Device device = new Device(InFramework.brokerUrl(), "itest-metrics")) {
            sendAll(device, payloads, 60_000);
            Thread.sleep(500);
            assertExactlyOneResultEach(device, payloads.keySet());
        }
        Map<String, Double> after = parse(get(url));
        String g = "gateway=\"" + InFramework.GATEWAY_ID + "\"";
        double edge = delta(before, after, "hybridfog_gateway_answers_total{exit=\"edge\"," + g + "}");
        double cloud = delta(before, after, "hybridfog_gateway_answers_total{exit=\"cloud\"," + g + "}");
        double fallback = delta(before, after, "hybridfog_gateway_answers_total{exit=\"fallback\"," + g + "}");
        String report = "edge " + edge + ", cloud " + cloud + ", fallback " + fallback;
        assertEquals("samples received == samples sent", SAMPLES, delta(before, after, samples()), 0);
        assertEquals("every sample answered with a classification: " + report, SAMPLES, edge + cloud + fallback, 0);
        assertTrue("both exits taken: " + report, edge > 0 && cloud > 0);
        assertEquals("edge latency histogram counts the edge answers", edge,
                delta(before, after, "hybridfog_gateway_latency_seconds_count{exit=\"edge\"," + g + "}"), 0);
        assertEquals(cloud, delta(before, after, "hybridfog_gateway_latency_seconds_count{exit=\"cloud\"," + g + "}"), 0);
        double energyJ = delta(before, after, "hybridfog_gateway_sample_energy_joules_sum{exit=\"edge\"," + g + "}")
                + delta(before, after, "hybridfog_gateway_sample_energy_joules_sum{exit=\"cloud\"," + g + "}")
                // a histogram series appears with its first observation: none if no sample fell back
                + (fallback == 0 ? 0 : delta(before, after, "hybridfog_gateway_sample_energy_joules_sum{exit=\"fallback\"," + g + "}"));
        assertTrue("energy per sample in joules (Fashion-MNIST: about 12 µJ): " + energyJ / SAMPLES,
                energyJ / SAMPLES > 1e-6 && energyJ / SAMPLES < 1e-4);
        assertEquals("the cloud worker answered each offload", cloud,
                delta(before, after, "hybridfog_cloud_answered_total"), 0);
        assertEquals(0, delta(before, after, "hybridfog_gateway_errors_total{code=\"INTERNAL\"," + g + "}"), 0);
        assertEquals(0, after.get("hybridfog_gateway_queued_samples{" + g + "}"), 0);
        assertTrue("journal size on disk", after.get("hybridfog_gateway_journal_bytes{" + g + "}") > 0);
        String client = InFramework.service(MessageBus.class, null, 10_000).clientId();
        assertEquals(1, after.get("hybridfog_broker_connected{client_id=\"" + client + "\"}"), 0);
        assertEquals(1, after.get("hybridfog_model_active_info{model=\"" + modelName + "\",version=\"" + modelVersion
                + "\"}"), 0);

        // switched off again: the socket is closed
        InFramework.configure("io.hybridfog.metrics", Map.of("enabled", "false"));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (listening(port) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertFalse("endpoint still listening after enabled=false", listening(port));
    }

    private static String samples() {
        return "hybridfog_gateway_samples_received_total{gateway=\"" + InFramework.GATEWAY_ID + "\"}";
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
        assertTrue("no series " + series + " in " + after.keySet(), after.containsKey(series));
        return after.get(series) - before.getOrDefault(series, 0.0);
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String get(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(5000);
        assertEquals(200, c.getResponseCode());
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$");

    private static Map<String, Double> parse(String text) {
        Map<String, Double> m = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher x = SAMPLE.matcher(line);
            if (!line.startsWith("#") && x.matches()) {
                m.put(x.group(1), Double.parseDouble(x.group(2)));
            }
        }
        return m;
    }
}
