package io.hybridfog.cluster;

import io.hybridfog.launcher.testing.DistributionProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Packaged gateways and cloud workers (runtime/gateway and runtime/cloud target folders) as child processes, each
 * with a copy of config/gateway or config/cloud that gives it its own identity:
 * <ul>
 * <li>gateway {@code n}: {@code gateway.id=gateway-n}, {@code client.id=hybridfog-gateway-n}, its own status topic,
 * and the devices of site {@code n}: {@code samples.topic=hybridfog/samples/site-n/+};</li>
 * <li>cloud worker {@code n}: {@code client.id=hybridfog-cloud-n}, the shipped shared subscription
 * ({@code $share/hybridfog-cloud/hybridfog/offload/+}), Prometheus metrics on a free loopback port (read by
 * {@link #cloudAnswered}).</li>
 * </ul>
 */
final class Fleet implements AutoCloseable {
    static final Path HOME = Path.of(System.getProperty("hybridfog.home", "../..")).toAbsolutePath().normalize();
    private static final Path GATEWAY_DIST = Path.of(System.getProperty("hybridfog.gateway.dist", "../gateway/target/hybridfog-gateway"));
    private static final Path CLOUD_DIST = Path.of(System.getProperty("hybridfog.cloud.dist", "../cloud/target/hybridfog-cloud"));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Path work;
    // sorted and thread-safe: the cleanup hook reads them from another thread
    private final Map<Integer, DistributionProcess> gateways = new ConcurrentSkipListMap<>();
    private final Map<Integer, DistributionProcess> clouds = new ConcurrentSkipListMap<>();
    private final Map<Integer, String[]> cloudArgs = new LinkedHashMap<>();
    private final Map<Integer, Integer> metricsPorts = new LinkedHashMap<>();

    Fleet(Path work) {
        this.work = work;
        // a test JVM that is killed (surefire timeout) must not leave gateways and workers behind
        Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "fleet-cleanup"));
    }

    /**
     * Starts gateway {@code n} against {@code brokerUrl}; {@code edgeKeys} replace or add io.hybridfog.edge keys
     * (e.g. exit.policy, offload.timeout.ms). Does not wait for it: see {@link #awaitReady}.
     */
    void startGateway(int n, String brokerUrl, Map<String, String> edgeKeys) throws IOException {
        Path config = copyConfig("gateway", "gateway-" + n);
        Map<String, String> edge = new LinkedHashMap<>(Map.of("gateway.id", "gateway-" + n,
                "samples.topic", "hybridfog/samples/site-" + n + "/+"));
        edge.putAll(edgeKeys);
        setKeys(config.resolve("io.hybridfog.edge.cfg"), edge);
        setKeys(config.resolve("io.hybridfog.mqtt.cfg"), Map.of("client.id", "hybridfog-gateway-" + n,
                "status.topic", "hybridfog/status/gateway-" + n));
        gateways.put(n, DistributionProcess.start(GATEWAY_DIST, "hybridfog-gateway.jar", work.resolve("gateway-" + n),
                "--config", config.toString(), "--broker", brokerUrl));
    }

    /**
     * Starts cloud worker {@code n} against {@code brokerUrl}; {@code cloudKeys} replace or add io.hybridfog.cloud
     * keys (e.g. workers). Does not wait for it.
     */
    void startCloud(int n, String brokerUrl, Map<String, String> cloudKeys) throws IOException {
        Path config = copyConfig("cloud", "cloud-" + n);
        setKeys(config.resolve("io.hybridfog.cloud.cfg"), cloudKeys);
        setKeys(config.resolve("io.hybridfog.mqtt.cfg"), Map.of("client.id", "hybridfog-cloud-" + n));
        int port = metricsPorts.computeIfAbsent(n, k -> freePort());
        setKeys(config.resolve("io.hybridfog.metrics.cfg"), Map.of("enabled", "true", "bind.address", "127.0.0.1",
                "port", String.valueOf(port)));
        cloudArgs.put(n, new String[] {"--config", config.toString(), "--broker", brokerUrl});
        restartCloud(n);
    }

    /** Starts cloud worker {@code n} again, as it was configured, on its work folder. */
    void restartCloud(int n) throws IOException {
        clouds.put(n, DistributionProcess.start(CLOUD_DIST, "hybridfog-cloud.jar", work.resolve("cloud-" + n), cloudArgs.get(n)));
    }

    /** SIGKILL of cloud worker {@code n}: no shutdown, no disconnect. */
    void killCloud(int n) throws InterruptedException {
        DistributionProcess p = clouds.get(n);
        p.process().destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        p.close();
    }

    /** Stops cloud worker {@code n} (SIGTERM: it disconnects) and forgets it. */
    void stopCloud(int n) throws InterruptedException {
        DistributionProcess p = clouds.remove(n);
        if (p != null) {
            p.close();
        }
    }

    /** Waits until every started process printed {@code ready:}; throws with the output of one that did not. */
    void awaitReady(long timeoutMs) throws InterruptedException {
        awaitPrinted("ready:", timeoutMs);
    }

    /** Waits until every started process printed {@code text}; throws with the output of one that did not. */
    void awaitPrinted(String text, long timeoutMs) throws InterruptedException {
        List<Map.Entry<String, DistributionProcess>> all = new ArrayList<>();
        gateways.forEach((n, p) -> all.add(Map.entry("gateway-" + n, p)));
        clouds.forEach((n, p) -> all.add(Map.entry("cloud-" + n, p)));
        long deadline = System.currentTimeMillis() + timeoutMs;
        for (Map.Entry<String, DistributionProcess> e : all) {
            if (!e.getValue().awaitOutput(text, Math.max(1, deadline - System.currentTimeMillis()))) {
                throw new IllegalStateException(e.getKey() + " did not print '" + text + "':\n" + e.getValue().output());
            }
        }
    }

    /** Stops every gateway and cloud worker (SIGTERM: they disconnect) and forgets them; their folders stay. */
    void stopAll() throws InterruptedException {
        close();
        gateways.clear();
        clouds.clear();
        cloudArgs.clear();
    }

    /** Offload requests cloud worker {@code n} answered with logits since it started (its Prometheus counter). */
    long cloudAnswered(int n) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPorts.get(n) + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith("hybridfog_cloud_answered_total ")) {
                return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            }
        }
        throw new IOException("no hybridfog_cloud_answered_total in cloud-" + n + "'s metrics:\n" + r.body());
    }

    /** Process ids, by name (gateway-n, cloud-n), of the running processes. */
    Map<String, Long> pids() {
        Map<String, Long> m = new LinkedHashMap<>();
        gateways.forEach((n, p) -> m.put("gateway-" + n, p.process().pid()));
        clouds.forEach((n, p) -> {
            if (p.process().isAlive()) {
                m.put("cloud-" + n, p.process().pid());
            }
        });
        return m;
    }

    /** Output of every process, for a failure message. */
    String outputs() {
        StringBuilder b = new StringBuilder();
        gateways.forEach((n, p) -> b.append("\n--- gateway-").append(n).append(":\n").append(tail(p.output())));
        clouds.forEach((n, p) -> b.append("\n--- cloud-").append(n).append(":\n").append(tail(p.output())));
        return b.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (DistributionProcess p : gateways.values()) {
            p.close();
        }
        for (DistributionProcess p : clouds.values()) {
            p.close();
        }
    }

    private void killAll() {
        gateways.values().forEach(p -> p.process().destroyForcibly());
        clouds.values().forEach(p -> p.process().destroyForcibly());
    }

    private Path copyConfig(String role, String name) throws IOException {
        Path copy = Files.createDirectories(work.resolve("config-" + name));
        try (var files = Files.list(HOME.resolve("config").resolve(role))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return copy;
    }

    /** Replaces the lines {@code key=...} of a .cfg file and appends the keys it lacked. */
    static void setKeys(Path cfg, Map<String, String> keys) throws IOException {
        List<String> out = new ArrayList<>();
        Map<String, String> left = new LinkedHashMap<>(keys);
        for (String line : Files.readAllLines(cfg)) {
            String key = line.contains("=") && !line.startsWith("#") ? line.substring(0, line.indexOf('=')).trim() : null;
            if (key != null && left.containsKey(key)) {
                out.add(key + "=" + left.remove(key));
            } else {
                out.add(line);
            }
        }
        left.forEach((k, v) -> out.add(k + "=" + v));
        Files.write(cfg, out);
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port", e);
        }
    }
}
