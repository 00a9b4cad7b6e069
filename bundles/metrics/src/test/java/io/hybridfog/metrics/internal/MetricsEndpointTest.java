package io.hybridfog.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitPoint;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.models.ModelCatalog;
import io.hybridfog.api.models.ModelVersionStatus;
import io.hybridfog.api.transport.AcknowledgingHandler;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.api.transport.Subscription;
import io.hybridfog.cloud.CloudWorkerMetrics;
import io.hybridfog.edge.GatewayMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The endpoint scraped over HTTP on loopback, with the collectors over fake sources whose values are known: every
 * metric's name, labels and value in the Prometheus text format, histograms included.
 */
class MetricsEndpointTest {
    private MetricsEndpoint endpoint;

    @AfterEach
    void close() {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** GET url: status and body. */
    static String get(String url, int[] status) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(5000);
        status[0] = c.getResponseCode();
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$");

    /** Sample lines of the text format: {@code name{labels}} to value. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> m = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher x = SAMPLE.matcher(line);
            if (!line.startsWith("#") && x.matches()) {
                m.put(x.group(1), Double.parseDouble(x.group(2)));
            }
        }
        return m;
    }

    @Test
    void everyMetricOverHttpWithItsLabelsAndValues() throws Exception {
        endpoint = new MetricsEndpoint(InetAddress.getByName("127.0.0.1"), freePort());
        FakeGateway gw = new FakeGateway();
        FakeBus bus = new FakeBus();
        GatewayCollector gateway = new GatewayCollector(endpoint.registry(), () -> List.of(gw));
        var cloud = CloudCollectorComponent.register(endpoint, () -> List.of(new FakeCloud()));
        var broker = NodeCollectorComponent.brokerMetrics(endpoint.registry(), () -> List.of(bus));
        endpoint.registry().register(NodeCollectorComponent.modelInfo(() -> List.of(new FakeCatalog())));

        gateway.onResult("gw-1", result(ExitPoint.EDGE, null, 0.8, 11_000_000));     // 0.8 ms, 11 µJ
        gateway.onResult("gw-1", result(ExitPoint.EDGE, null, 3.0, 11_000_000));     // 3 ms
        gateway.onResult("gw-1", result(ExitPoint.CLOUD, null, 20.0, 40_000_000));   // 20 ms, 40 µJ
        gateway.onResult("gw-1", result(ExitPoint.EDGE_FALLBACK, null, 5000.0, 12_000_000));
        gateway.onResult("gw-1", result(null, ErrorCode.OVERLOADED, 0.1, 0));

        int[] status = {0};
        String text = get(endpoint.url(), status);
        assertEquals(200, status[0]);
        assertEquals("http://127.0.0.1:" + endpoint.port() + "/metrics", endpoint.url());
        Map<String, Double> m = parse(text);

        String g = "gateway=\"gw-1\"";
        assertEquals(7, m.get("hybridfog_gateway_samples_received_total{" + g + "}"), text);
        assertEquals(4, m.get("hybridfog_gateway_answers_total{exit=\"edge\"," + g + "}"), text);
        assertEquals(2, m.get("hybridfog_gateway_answers_total{exit=\"cloud\"," + g + "}"));
        assertEquals(1, m.get("hybridfog_gateway_answers_total{exit=\"fallback\"," + g + "}"));
        assertEquals(3, m.get("hybridfog_gateway_errors_total{code=\"OVERLOADED\"," + g + "}"));
        assertEquals(0, m.get("hybridfog_gateway_errors_total{code=\"JOURNAL_FULL\"," + g + "}"), "every code, 0 included");
        assertEquals(3, m.get("hybridfog_gateway_offloads_total{" + g + "}"));
        assertEquals(13, m.get("hybridfog_gateway_duplicates_total{" + g + "}"));
        assertEquals(12, m.get("hybridfog_gateway_late_replies_total{" + g + "}"));
        assertEquals(8, m.get("hybridfog_gateway_results_published_total{" + g + "}"));
        assertEquals(9, m.get("hybridfog_gateway_publish_failures_total{" + g + "}"));
        assertEquals(10, m.get("hybridfog_gateway_swap_retries_total{" + g + "}"));
        assertEquals(5, m.get("hybridfog_gateway_queued_samples{" + g + "}"));
        assertEquals(6, m.get("hybridfog_gateway_pending_offloads{" + g + "}"));
        assertEquals(4096, m.get("hybridfog_gateway_journal_bytes{" + g + "}"));
        assertEquals(1 << 20, m.get("hybridfog_gateway_journal_limit_bytes{" + g + "}"));
        assertEquals(100, m.get("hybridfog_gateway_journal_inbox_bytes{" + g + "}"));
        assertEquals(2, m.get("hybridfog_gateway_journal_outbox_results{" + g + "}"));

        // latency histogram, seconds: the two edge answers fall in the 1 ms and 5 ms buckets
        String edge = "exit=\"edge\"," + g;
        assertEquals(0, m.get("hybridfog_gateway_latency_seconds_bucket{" + edge + ",le=\"5.0E-4\"}"), text);
        assertEquals(1, m.get("hybridfog_gateway_latency_seconds_bucket{" + edge + ",le=\"0.001\"}"));
        assertEquals(2, m.get("hybridfog_gateway_latency_seconds_bucket{" + edge + ",le=\"0.005\"}"));
        assertEquals(2, m.get("hybridfog_gateway_latency_seconds_bucket{" + edge + ",le=\"+Inf\"}"));
        assertEquals(2, m.get("hybridfog_gateway_latency_seconds_count{" + edge + "}"));
        assertEquals(0.0038, m.get("hybridfog_gateway_latency_seconds_sum{" + edge + "}"), 1e-12);
        assertEquals(1, m.get("hybridfog_gateway_latency_seconds_count{exit=\"cloud\"," + g + "}"));
        assertEquals(5.0, m.get("hybridfog_gateway_latency_seconds_sum{exit=\"fallback\"," + g + "}"), 1e-12);
        assertEquals(1, m.get("hybridfog_gateway_latency_seconds_count{exit=\"error\"," + g + "}"));
        // energy per classified sample, joules; errors are not in it
        assertEquals(2, m.get("hybridfog_gateway_sample_energy_joules_count{" + edge + "}"));
        assertEquals(22e-6, m.get("hybridfog_gateway_sample_energy_joules_sum{" + edge + "}"), 1e-15);
        assertEquals(2, m.get("hybridfog_gateway_sample_energy_joules_bucket{" + edge + ",le=\"2.0E-5\"}"));
        assertEquals(40e-6, m.get("hybridfog_gateway_sample_energy_joules_sum{exit=\"cloud\"," + g + "}"), 1e-15);
        assertNull(m.get("hybridfog_gateway_sample_energy_joules_count{exit=\"error\"," + g + "}"));
        assertEquals(4 * 134e-6, m.get("hybridfog_gateway_reference_energy_joules_total{" + g + "}"), 1e-12);

        assertEquals(11, m.get("hybridfog_cloud_requests_total"));
        assertEquals(10, m.get("hybridfog_cloud_answered_total"));
        assertEquals(1, m.get("hybridfog_cloud_errors_total{code=\"UNKNOWN_MODEL\"}"));
        assertEquals(2, m.get("hybridfog_cloud_dropped_total"));
        assertEquals(3, m.get("hybridfog_cloud_publish_failures_total"));
        assertEquals(4, m.get("hybridfog_cloud_queued_requests"));

        assertEquals(1, m.get("hybridfog_broker_connected{client_id=\"gw-client\"}"));
        assertEquals(1, m.get("hybridfog_model_active_info{model=\"fashion-mnist-hybrid\",version=\"1.1.0\"}"), text);
        assertFalse(m.containsKey("hybridfog_model_active_info{model=\"fashion-mnist-hybrid\",version=\"1.0.0\"}"),
                "a standby version is not active");
        assertTrue(text.contains("# TYPE hybridfog_gateway_latency_seconds histogram"), text);
        assertTrue(text.contains("# TYPE hybridfog_gateway_samples_received_total counter"), text);

        // live values: the next scrape sees the change
        bus.connected = false;
        gw.samples = 8;
        m = parse(get(endpoint.url(), status));
        assertEquals(0, m.get("hybridfog_broker_connected{client_id=\"gw-client\"}"));
        assertEquals(8, m.get("hybridfog_gateway_samples_received_total{" + g + "}"));

        // collectors that go remove their metrics
        gateway.close();
        cloud.close();
        broker.close();
        m = parse(get(endpoint.url(), status));
        assertTrue(m.keySet().stream().noneMatch(k -> k.startsWith("hybridfog_gateway") || k.startsWith("hybridfog_cloud")
                || k.startsWith("hybridfog_broker")), m.toString());
    }

    @Test
    void listensOnlyOnTheConfiguredAddress() throws Exception {
        int port = freePort();
        endpoint = new MetricsEndpoint(InetAddress.getByName("127.0.0.2"), port);
        int[] status = {0};
        get("http://127.0.0.2:" + port + "/metrics", status);
        assertEquals(200, status[0]);
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(),
                "nothing listens on 127.0.0.1:" + port);
        get("http://127.0.0.2:" + port + "/-/healthy", status);
        assertEquals(200, status[0]);
        endpoint.close();
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.2", port).close(), "closed");
        endpoint = null;
    }

    private static InferenceResult result(ExitPoint exit, ErrorCode error, double latencyMs, double energyPj) {
        return new InferenceResult("s", "dev-1", "m", "1.0.0", exit, error == null ? 1 : -1, error == null ? "c1" : null,
                0.9, 0.1, latencyMs, energyPj, error == null ? 134_000_000 : 0, 0, error, error == null ? null : "x");
    }

    private static final class FakeGateway implements GatewayMetrics {
        volatile long samples = 7;

        @Override
        public String gatewayId() {
            return "gw-1";
        }

        @Override
        public String exitRule() {
            return "policy entropy";
        }

        @Override
        public Snapshot snapshot() {
            Map<ErrorCode, Long> errors = new EnumMap<>(ErrorCode.class);
            errors.put(ErrorCode.OVERLOADED, 3L);
            return new Snapshot(samples, 4, 3, 2, errors, 8, 9, 5, 6, 10, 1, 12, 13);
        }

        @Override
        public void reset() {
        }

        @Override
        public Map<Stage, Long> stageCpuNanos() {
            return Map.of();
        }

        @Override
        public JournalUsage journal() {
            return new JournalUsage(4096, 1 << 20, 100, 2);
        }
    }

    private static final class FakeCloud implements CloudWorkerMetrics {
        @Override
        public Snapshot snapshot() {
            return new Snapshot(11, 10, Map.of(ErrorCode.UNKNOWN_MODEL, 1L), 2, 3, 4);
        }

        @Override
        public void reset() {
        }
    }

    private static final class FakeBus implements MessageBus {
        volatile boolean connected = true;

        @Override
        public String clientId() {
            return "gw-client";
        }

        @Override
        public boolean isConnected() {
            return connected;
        }

        @Override
        public CompletableFuture<Void> publish(BusMessage message) {
            throw new UnsupportedOperationException("not used by the metrics");
        }

        @Override
        public Subscription subscribeAcknowledging(String topicFilter, AcknowledgingHandler handler) {
            throw new UnsupportedOperationException("not used by the metrics");
        }
    }

    private static final class FakeCatalog implements ModelCatalog {
        @Override
        public List<ModelVersionStatus> versions() {
            return new CopyOnWriteArrayList<>(List.of(
                    new ModelVersionStatus("fashion-mnist-hybrid", "1.1.0", ModelVersionStatus.State.ACTIVE, false, 7,
                            "file:a.jar", List.of("edge", "cloud"), ""),
                    new ModelVersionStatus("fashion-mnist-hybrid", "1.0.0", ModelVersionStatus.State.STANDBY, false, 6,
                            "file:b.jar", List.of("edge", "cloud"), "")));
        }

        @Override
        public ModelVersionStatus activate(String model, String version) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ModelVersionStatus rollback(String model) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ModelVersionStatus followNewest(String model) {
            throw new UnsupportedOperationException();
        }
    }
}
