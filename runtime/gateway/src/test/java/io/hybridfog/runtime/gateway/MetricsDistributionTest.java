package io.hybridfog.runtime.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.launcher.testing.DistributionProcess;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import io.hybridfog.mqtt.testing.SecureDeployment;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged gateway and cloud distributions with their shipped config/&lt;role&gt;/io.hybridfog.metrics.cfg: the
 * metrics endpoint is off (the process listens on no TCP socket at all), and once enabled it listens only on the
 * configured address and port. Listening sockets are read from /proc (the process's socket inodes in
 * /proc/&lt;pid&gt;/fd, their addresses in /proc/net/tcp and tcp6), so an endpoint bound to another address or port
 * would be seen too.
 */
class MetricsDistributionTest {
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
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void offByDefaultAndWhenEnabledListensOnlyWhereConfigured(@TempDir Path tmp) throws Exception {
        Path shipped = config(tmp, "gateway", SecureDeployment.GATEWAY, null);
        assertTrue(Files.readString(shipped.resolve("io.hybridfog.metrics.cfg")).contains("\nenabled=false"),
                "config/gateway ships the endpoint off");
        try (DistributionProcess gateway = DistributionProcess.start(DIST, "hybridfog-gateway.jar", tmp.resolve("gw-off"),
                "--config", shipped.toString(), "--broker", broker.url())) {
            assertTrue(gateway.awaitOutput("ready:", 45_000), "gateway not ready:\n" + gateway.output());
            Thread.sleep(1000); // a late endpoint would be listening by now
            assertEquals(Set.of(), listening(gateway.process().pid()), "the gateway listens on nothing by default");
        }

        // enabled on a loopback address other than 127.0.0.1: only that address and port listen
        int port = freePort();
        Path enabled = config(tmp.resolve("on"), "gateway", SecureDeployment.GATEWAY,
                "enabled=true\nbind.address=127.0.0.2\nport=" + port + "\n");
        try (DistributionProcess gateway = DistributionProcess.start(DIST, "hybridfog-gateway.jar", tmp.resolve("gw-on"),
                "--config", enabled.toString(), "--broker", broker.url())) {
            assertTrue(gateway.awaitOutput("ready:", 45_000), "gateway not ready:\n" + gateway.output());
            String body = awaitScrape("http://127.0.0.2:" + port + "/metrics", "hybridfog_gateway_samples_received_total",
                    gateway);
            assertTrue(body.contains("hybridfog_broker_connected{client_id=\"hybridfog-gateway-1\"} 1"), body);
            assertTrue(body.contains("hybridfog_model_active_info{model=\"fashion-mnist-hybrid\",version=\"1.0.0\"} 1"), body);
            assertFalse(body.contains("hybridfog_cloud_"), "no cloud worker in the gateway distribution:\n" + body);
            assertEquals(Set.of("127.0.0.2:" + port), listening(gateway.process().pid()));
            assertFalse(accepts(new InetSocketAddress("127.0.0.1", port)), "127.0.0.1:" + port + " must refuse");
        }

        // the cloud distribution: off as shipped, its own metrics once enabled
        Path cloudShipped = config(tmp, "cloud", SecureDeployment.CLOUD, null);
        assertTrue(Files.readString(cloudShipped.resolve("io.hybridfog.metrics.cfg")).contains("\nenabled=false"));
        int cloudPort = freePort();
        Path cloudEnabled = config(tmp.resolve("on"), "cloud", SecureDeployment.CLOUD,
                "enabled=true\nport=" + cloudPort + "\n");
        try (DistributionProcess off = DistributionProcess.start(CLOUD_DIST, "hybridfog-cloud.jar", tmp.resolve("cloud-off"),
                "--config", cloudShipped.toString(), "--broker", broker.url());
             DistributionProcess cloud = DistributionProcess.start(CLOUD_DIST, "hybridfog-cloud.jar", tmp.resolve("cloud-on"),
                "--config", cloudEnabled.toString(), "--broker", broker.url())) {
            assertTrue(off.awaitOutput("ready:", 45_000), "cloud worker not ready:\n" + off.output());
            assertTrue(cloud.awaitOutput("ready:", 45_000), "cloud worker not ready:\n" + cloud.output());
            String body = awaitScrape("http://127.0.0.1:" + cloudPort + "/metrics", "hybridfog_cloud_requests_total", cloud);
            assertFalse(body.contains("hybridfog_gateway_"), "no gateway in the cloud distribution:\n" + body);
            assertEquals(Set.of("127.0.0.1:" + cloudPort), listening(cloud.process().pid()), "bind.address defaults to loopback");
            assertEquals(Set.of(), listening(off.process().pid()), "the cloud worker listens on nothing by default");
        }
    }

    /** A copy of config/&lt;role&gt; logging in as {@code account} over TLS; {@code metrics} appended to its metrics cfg. */
    private static Path config(Path tmp, String role, String account, String metrics) throws IOException {
        Path copy = Files.createDirectories(tmp.resolve("config-" + role));
        try (var files = Files.list(HOME.resolve("config").resolve(role))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Files.writeString(copy.resolve("io.hybridfog.mqtt.cfg"), "\nusername=" + account + "\npassword=secret-" + account
                + "\ntls.ca.file=" + SecureDeployment.secrets().resolve("ca.crt") + "\n", StandardOpenOption.APPEND);
        if (metrics != null) {
            Files.writeString(copy.resolve("io.hybridfog.metrics.cfg"), "\n" + metrics, StandardOpenOption.APPEND);
        }
        return copy;
    }

    private static String awaitScrape(String url, String expected, DistributionProcess p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
                c.setConnectTimeout(2000);
                c.setReadTimeout(5000);
                if (c.getResponseCode() == 200) {
                    try (InputStream in = c.getInputStream()) {
                        last = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                    if (last.contains(expected)) {
                        return last;
                    }
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no " + expected + " at " + url + " within 20 s; last: " + last + "\n" + p.output());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(InetSocketAddress a) {
        try (Socket s = new Socket()) {
            s.connect(a, 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The TCP sockets process {@code pid} listens on, as {@code address:port}. */
    static Set<String> listening(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        Set<String> result = new HashSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path f = Path.of("/proc", Long.toString(pid), "net", table);
            if (!Files.exists(f)) {
                continue;
            }
            List<String> lines = new ArrayList<>(Files.readAllLines(f));
            for (String line : lines.subList(1, lines.size())) {
                String[] c = line.trim().split("\\s+");
                if (c.length > 9 && "0A".equals(c[3]) && inodes.contains(c[9])) { // 0A: LISTEN
                    result.add(address(c[1]));
                }
            }
        }
        return result;
    }

    /** /proc/net/tcp{,6} {@code HEXADDR:HEXPORT} (the address in 32-bit little-endian words) to {@code address:port}. */
    static String address(String hex) throws IOException {
        String[] ap = hex.split(":");
        byte[] b = new byte[ap[0].length() / 2];
        for (int w = 0; w < b.length / 4; w++) {
            for (int i = 0; i < 4; i++) {
                b[w * 4 + i] = (byte) Integer.parseInt(ap[0].substring(w * 8 + (3 - i) * 2, w * 8 + (3 - i) * 2 + 2), 16);
            }
        }
        InetAddress a = InetAddress.getByAddress(b); // an IPv4-mapped IPv6 address comes back as IPv4
        return a.getHostAddress() + ":" + Integer.parseInt(ap[1], 16);
    }
}
