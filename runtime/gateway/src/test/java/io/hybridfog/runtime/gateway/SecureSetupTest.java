package io.hybridfog.runtime.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.launcher.testing.DistributionProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented secure set-up (docs/security.md) end to end: {@code config/mosquitto/hybridfog-secure-setup} makes
 * the material for a fleet (two gateways, two cloud workers, two devices), a real Mosquitto runs the generated
 * mosquitto.conf as it is (on free loopback ports), and the packaged gateway and cloud worker run with their generated
 * configuration folders as they are. Devices are plain Paho MQTT 5 clients, so every reason code the broker sends is
 * seen. Each refusal is checked against a positive control in the same test: what is refused to one account works for
 * the account it belongs to, so a broken set-up cannot pass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecureSetupTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path HOME = Path.of(System.getProperty("hybridfog.home", "../..")).toAbsolutePath().normalize();
    private static final Path SETUP = HOME.resolve("config/mosquitto/hybridfog-secure-setup");
    private static final Path DIST = Path.of(System.getProperty("hybridfog.dist", "target/hybridfog-gateway"));
    private static final Path CLOUD_DIST = Path.of(System.getProperty("hybridfog.cloud.dist", "../cloud/target/hybridfog-cloud"));
    /** MQTT 5 reason code "Not authorized" (OASIS MQTT 5.0, 2.4). */
    private static final int NOT_AUTHORIZED = 0x87;
    /** MQTT 5 PUBACK reason code "No matching subscribers": accepted, and nobody subscribed. */
    private static final int NO_MATCHING_SUBSCRIBERS = 0x10;
    /** test-00004.png: its early-exit entropy (0.91 nats) is over the calibrated threshold, so the cloud answers it. */
    private static final String OFFLOADED_PNG = "test-00004.png";
    private static final String EDGE_PNG = "test-00000.png";
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

    private Path out;
    private int servicePort;
    private int devicePort;
    private Process broker;
    private Path brokerLog;
    private DistributionProcess cloud;
    private DistributionProcess gateway;
    private final List<MqttAsyncClient> clients = new ArrayList<>();
    /** Every message each client received, in order. */
    private final Map<MqttAsyncClient, BlockingQueue<Received>> received = new ConcurrentHashMap<>();

    @BeforeAll
    void startTheGeneratedSetUp(@TempDir Path tmp) throws Exception {
        out = tmp.resolve("secure");
        servicePort = freePort();
        devicePort = freePort();
        run(SETUP.toString(), "--out", out.toString(), "--broker-host", "127.0.0.1,localhost",
                "--gateways", "gateway-1,gateway-2", "--cloud-workers", "cloud-1,cloud-2", "--devices", "dev-1,dev-2",
                "--bind", "127.0.0.1", "--port", String.valueOf(servicePort), "--device-port", String.valueOf(devicePort),
                // started as root, Mosquitto would switch to 'mosquitto', who cannot read this test's 0600 files
                "--broker-user", System.getProperty("user.name"));
        brokerLog = tmp.resolve("mosquitto.log");
        broker = startMosquitto(out, brokerLog, servicePort, devicePort);
        cloud = DistributionProcess.start(CLOUD_DIST, "hybridfog-cloud.jar", tmp.resolve("cloud"),
                "--config", out.resolve("cloud-workers/cloud-1/config").toString());
        gateway = DistributionProcess.start(DIST, "hybridfog-gateway.jar", tmp.resolve("gateway"),
                "--config", out.resolve("gateways/gateway-1/config").toString());
        assertTrue(cloud.awaitOutput("ready:", 60_000), "cloud worker not ready:\n" + cloud.output() + brokerLog());
        assertTrue(gateway.awaitOutput("ready:", 60_000), "gateway not ready:\n" + gateway.output() + brokerLog());
    }

    @AfterAll
    void stopAll() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (cloud != null) {
            cloud.close();
        }
        if (broker != null) {
            broker.destroy();
            broker.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void disconnect() {
        for (MqttAsyncClient c : clients) {
            try {
                if (c.isConnected()) {
                    c.disconnect().waitForCompletion(2_000);
                }
                c.close(true);
            } catch (MqttException ignored) {
                // the test is over
            }
        }
        clients.clear();
        received.clear();
    }

    @Test
    void aDeviceGetsTheAnswersToItsOwnSamplesFromTheEdgeAndTheCloud() throws Exception {
        MqttAsyncClient device = device("dev-1");
        BlockingQueue<Received> results = subscribe(device, "hybridfog/results/dev-1");
        for (String png : List.of(EDGE_PNG, OFFLOADED_PNG)) {
            assertEquals(0, publish(device, "hybridfog/samples/dev-1", png(png), png), png);
            JsonNode result = result(results, "dev-1's answer to " + png);
            assertEquals(png, result.path("sampleId").asText(), result.toString());
            assertNull(result.get("error"), result.toString());
            assertEquals(png.equals(OFFLOADED_PNG) ? "CLOUD" : "EDGE", result.path("exit").asText(), result.toString());
        }
    }

    /**
     * Mosquitto 2.0.11 grants a subscription the ACL does not allow (SUBACK reason code 0x01, granted QoS 1, verified here) and checks
     * read access on every delivery, so the intruder's subscription delivers nothing.
     */
    @Test
    void aDeviceCannotReadAnotherDevicesResults() throws Exception {
        MqttAsyncClient owner = device("dev-1");
        MqttAsyncClient intruder = device("dev-2");
        BlockingQueue<Received> ownerResults = subscribe(owner, "hybridfog/results/dev-1");
        BlockingQueue<Received> intercepted = received.get(intruder);
        for (String filter : List.of("hybridfog/results/dev-1", "hybridfog/results/+", "hybridfog/#")) {
            IMqttToken suback = intruder.subscribe(new MqttSubscription(filter, 1));
            suback.waitForCompletion(5_000);
            assertArrayEquals(new int[] {1}, suback.getReasonCodes(), "SUBACK for " + filter + " (granted QoS 1, not 0x87)");
        }

        assertEquals(0, publish(owner, "hybridfog/samples/dev-1", png(EDGE_PNG), "read-1"));
        assertEquals("read-1", result(ownerResults, "dev-1's own answer").path("sampleId").asText());
        // positive control: the intruder's subscriptions do deliver its own answer, published by the gateway after
        // dev-1's; one publisher's messages arrive in order, so dev-1's would have come first
        assertEquals(0, publish(intruder, "hybridfog/samples/dev-2", png(EDGE_PNG), "own-2"));
        Received first = intercepted.poll(20, TimeUnit.SECONDS);
        assertNotNull(first, "dev-2 received not even its own answer" + brokerLog());
        assertEquals("hybridfog/results/dev-2", first.topic(), "dev-2 received " + first.text());
        assertEquals("own-2", JSON.readTree(first.payload()).path("sampleId").asText(), first.text());
    }

    @Test
    void aDeviceCannotForgeAnotherDevicesResultsNorSendAsIt() throws Exception {
        MqttAsyncClient owner = device("dev-1");
        MqttAsyncClient intruder = device("dev-2");
        BlockingQueue<Received> ownerResults = subscribe(owner, "hybridfog/results/dev-1");
        byte[] forged = "{\"sampleId\":\"forge-1\",\"label\":\"FORGED\"}".getBytes(UTF_8);
        assertEquals(NOT_AUTHORIZED, publish(intruder, "hybridfog/results/dev-1", forged, "forge-1"), "forged result");
        assertEquals(NOT_AUTHORIZED, publish(intruder, "hybridfog/samples/dev-1", png(EDGE_PNG), "forge-1"), "sample as dev-1");
        // the broker refused both before dev-1 sends: dev-1's only message is the gateway's answer to its own sample
        assertEquals(0, publish(owner, "hybridfog/samples/dev-1", png(EDGE_PNG), "forge-1"));
        Received first = ownerResults.poll(20, TimeUnit.SECONDS);
        assertNotNull(first, "dev-1 got no answer" + brokerLog());
        JsonNode result = JSON.readTree(first.payload());
        assertEquals("forge-1", result.path("sampleId").asText(), first.text());
        assertEquals("dev-1", result.path("deviceId").asText(), first.text());
        assertNotEquals("FORGED", result.path("label").asText(), first.text());
        assertNull(result.get("error"), first.text());
        assertNull(ownerResults.poll(1, TimeUnit.SECONDS), "dev-1 received more than its one answer");
    }

    /**
     * What the broker would deliver to the gateway's and the cloud workers' accounts is watched by spies logged in as
     * those accounts; the accounts allowed to post there (a cloud worker, a gateway) reach them, a device does not.
     */
    @Test
    void aDeviceCannotPostOffloadRepliesOrOffloadRequests() throws Exception {
        MqttAsyncClient device = device("dev-1");
        BlockingQueue<Received> gatewaySees = subscribe(service("gateways", "gateway-1"), "hybridfog/offload-replies/gateway-1");
        BlockingQueue<Received> cloudSees = subscribe(service("cloud-workers", "cloud-2"), "hybridfog/offload/+");
        byte[] probe = "not an offload".getBytes(UTF_8);

        assertEquals(NOT_AUTHORIZED, publish(device, "hybridfog/offload-replies/gateway-1", probe, "forged-reply"));
        assertEquals(NOT_AUTHORIZED, publish(device, "hybridfog/offload/fashion-mnist-hybrid", probe, "forged-request"));
        // positive controls, sent after the refused ones: the first thing each spy sees is the allowed message
        assertEquals(0, publish(service("cloud-workers", "cloud-1"), "hybridfog/offload-replies/gateway-1", probe, "reply-control"));
        assertEquals(0, publish(service("gateways", "gateway-2"), "hybridfog/offload/acl-probe", probe, "request-control"));
        Received reply = gatewaySees.poll(10, TimeUnit.SECONDS);
        assertNotNull(reply, "the cloud worker's reply did not reach the gateway's account" + brokerLog());
        assertEquals("reply-control", reply.correlation(), "the gateway's account received a device's reply");
        Received request = cloudSees.poll(10, TimeUnit.SECONDS);
        assertNotNull(request, "the gateway's request did not reach the cloud's account" + brokerLog());
        assertEquals("request-control", request.correlation(), "the cloud's account received a device's request");
    }

    /** Gateways share the broker: each reads only its own offload replies and writes only its own status. */
    @Test
    void aGatewayReadsOnlyItsOwnOffloadRepliesAndWritesOnlyItsOwnStatus() throws Exception {
        MqttAsyncClient otherGateway = service("gateways", "gateway-2");
        BlockingQueue<Received> seen = received.get(otherGateway);
        for (String filter : List.of("hybridfog/offload-replies/gateway-1", "hybridfog/offload-replies/+")) {
            subscribe(otherGateway, filter);
        }
        MqttAsyncClient cloudWorker = service("cloud-workers", "cloud-1");
        byte[] reply = "reply".getBytes(UTF_8);
        assertEquals(0, publish(cloudWorker, "hybridfog/offload-replies/gateway-1", reply, "for-gateway-1"));
        // positive control: the reply to gateway-2 comes after the one to gateway-1, from the same publisher
        assertEquals(0, publish(cloudWorker, "hybridfog/offload-replies/gateway-2", reply, "for-gateway-2"));
        Received first = seen.poll(10, TimeUnit.SECONDS);
        assertNotNull(first, "gateway-2 received not even its own reply" + brokerLog());
        assertEquals("for-gateway-2", first.correlation(), "gateway-2 received " + first.topic());

        assertEquals(NOT_AUTHORIZED, publish(otherGateway, "hybridfog/status/gateway-1", "{}".getBytes(UTF_8), "status"));
        // accepted: 0x10 "no matching subscribers" (a success code; nobody reads gateway-2's status in this test)
        assertEquals(NO_MATCHING_SUBSCRIBERS, publish(otherGateway, "hybridfog/status/gateway-2", "{}".getBytes(UTF_8), "status"));
    }

    @Test
    void strangersAreRefusedWithTheBrokersReason() throws Exception {
        // positive control: the gateway's account with its certificate connects to its listener
        assertTrue(connect(servicePort, "gateway-2", password("gateways", "gateway-2"), keystore("gateways", "gateway-2"))
                .isConnected());
        // anonymous: CONNACK 0x87 on both listeners (on the service listener with a valid client certificate)
        assertEquals(NOT_AUTHORIZED, connackRefusal(devicePort, null, null, null), "anonymous device");
        assertEquals(NOT_AUTHORIZED, connackRefusal(servicePort, null, null, keystore("gateways", "gateway-2")),
                "anonymous client with a certificate");
        assertEquals(NOT_AUTHORIZED, connackRefusal(devicePort, "dev-1", "wrong", null), "wrong password");
        // accounts exist only on their own listener
        assertEquals(NOT_AUTHORIZED, connackRefusal(devicePort, "gateway-2", password("gateways", "gateway-2"), null),
                "a gateway account on the device listener");
        // no client certificate on the service listener: the TLS handshake fails (TLS 1.3 here: the client reads the
        // broker's alert certificate_required), Mosquitto logs why
        MqttException noCertificate = assertThrows(MqttException.class,
                () -> connect(servicePort, "gateway-2", password("gateways", "gateway-2"), null));
        System.out.println("a client without a certificate: " + describe(noCertificate));
        assertTrue(hasCause(noCertificate, SSLHandshakeException.class), "expected a TLS handshake failure, got: "
                + describe(noCertificate));
        assertTrue(Files.readString(brokerLog).contains("peer did not return a certificate"), brokerLog());
    }

    /** With --device-certs the device listener requires the device's certificate as well as its account. */
    @Test
    void withDeviceCertificatesADeviceNeedsItsCertificate(@TempDir Path tmp) throws Exception {
        Path fleet = tmp.resolve("fleet");
        int services = freePort();
        int devices = freePort();
        run(SETUP.toString(), "--out", fleet.toString(), "--broker-host", "127.0.0.1", "--gateways", "gw-a",
                "--cloud-workers", "cw-a", "--devices", "d1", "--device-certs", "--bind", "127.0.0.1",
                "--port", String.valueOf(services), "--device-port", String.valueOf(devices),
                "--broker-user", System.getProperty("user.name"));
        Path log = tmp.resolve("mosquitto.log");
        Process strict = startMosquitto(fleet, log, services, devices);
        try {
            Path ca = fleet.resolve("ca/ca.crt");
            Path d1 = fleet.resolve("devices/d1");
            String password = Files.readString(d1.resolve("password")).trim();
            MqttAsyncClient device = connect(ca, devices, "d1", password, new Path[] {d1.resolve("d1.p12"), d1.resolve("keystore-password")});
            assertEquals(NO_MATCHING_SUBSCRIBERS, publish(device, "hybridfog/samples/d1", png(EDGE_PNG), "s1"));
            MqttException without = assertThrows(MqttException.class, () -> connect(ca, devices, "d1", password, null));
            assertTrue(hasCause(without, SSLHandshakeException.class), "expected a TLS handshake failure, got: " + describe(without));
            assertTrue(read(log).contains("peer did not return a certificate"), read(log));
        } finally {
            strict.destroy();
            strict.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The command's files: keys and secrets 0600; a second run keeps the CA and passwords; --force replaces the CA. */
    @Test
    void reRunsKeepTheCaAndSecretsAndKeysAreReadableByTheOwnerOnly(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("fleet");
        String[] fleet = {SETUP.toString(), "--out", dir.toString(), "--broker-host", "broker.example.org,10.0.0.5",
            "--gateways", "gw-a", "--cloud-workers", "cw-a", "--devices", "d1", "--device-certs"};
        run(fleet);
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        for (String secret : List.of("ca/ca.key", "broker/broker.key", "broker/passwords-services", "broker/passwords-devices",
                "accounts", "gateways/gw-a/gw-a.key", "gateways/gw-a/gw-a.p12", "gateways/gw-a/password",
                "gateways/gw-a/config/io.hybridfog.mqtt.cfg", "cloud-workers/cw-a/cw-a.p12", "devices/d1/d1.key",
                "devices/d1/password")) {
            assertEquals(ownerOnly, Files.getPosixFilePermissions(dir.resolve(secret)), secret);
        }
        X509Certificate brokerCert = certificate(dir.resolve("broker/broker.crt"));
        assertEquals("[[2, broker.example.org], [7, 10.0.0.5]]", String.valueOf(brokerCert.getSubjectAlternativeNames()));
        brokerCert.verify(certificate(dir.resolve("ca/ca.crt")).getPublicKey());
        Properties mqtt = cfg(dir.resolve("gateways/gw-a/config/io.hybridfog.mqtt.cfg"));
        assertEquals("ssl://broker.example.org:8883", mqtt.getProperty("broker.url"));
        assertEquals("gw-a", mqtt.getProperty("username"));
        assertEquals(Files.readString(dir.resolve("gateways/gw-a/password")).trim(), mqtt.getProperty("password"));
        assertEquals("gw-a", cfg(dir.resolve("gateways/gw-a/config/io.hybridfog.edge.cfg")).getProperty("gateway.id"));
        assertTrue(Files.readString(dir.resolve("broker/mosquitto.conf")).contains("require_certificate true\nallow_anonymous false\n"
                + "password_file " + dir.resolve("broker/passwords-devices")), "device listener requires certificates");

        byte[] ca = Files.readAllBytes(dir.resolve("ca/ca.crt"));
        String password = Files.readString(dir.resolve("devices/d1/password"));
        List<String> grown = new ArrayList<>(List.of(fleet));
        grown.set(grown.indexOf("--devices") + 1, "d1,d2");
        run(grown.toArray(String[]::new));
        assertArrayEquals(ca, Files.readAllBytes(dir.resolve("ca/ca.crt")), "a re-run replaced the CA");
        assertEquals(password, Files.readString(dir.resolve("devices/d1/password")), "a re-run changed d1's password");
        assertTrue(Files.readString(dir.resolve("broker/passwords-devices")).contains("d2:"), "d2 added");

        List<String> force = new ArrayList<>(List.of(fleet));
        force.add("--force");
        run(force.toArray(String[]::new));
        assertFalse(java.util.Arrays.equals(ca, Files.readAllBytes(dir.resolve("ca/ca.crt"))), "--force kept the CA");
        certificate(dir.resolve("devices/d1/d1.crt")).verify(certificate(dir.resolve("ca/ca.crt")).getPublicKey());
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    private record Received(String topic, MqttMessage message) {
        byte[] payload() {
            return message.getPayload();
        }

        String text() {
            return topic + ": " + new String(payload(), UTF_8);
        }

        String correlation() {
            byte[] c = message.getProperties().getCorrelationData();
            return c == null ? null : new String(c, UTF_8);
        }
    }

    private MqttAsyncClient device(String id) throws Exception {
        return connect(devicePort, id, password("devices", id), null);
    }

    private MqttAsyncClient service(String role, String id) throws Exception {
        return connect(servicePort, id, password(role, id), keystore(role, id));
    }

    private String password(String role, String id) throws IOException {
        return Files.readString(out.resolve(role).resolve(id).resolve("password")).trim();
    }

    private Path[] keystore(String role, String id) throws IOException {
        Path dir = out.resolve(role).resolve(id);
        return new Path[] {dir.resolve(id + ".p12"), dir.resolve("keystore-password")};
    }

    /** A Paho MQTT 5 client connected over TLS (the generated CA, host name verified), or the connect's exception. */
    private MqttAsyncClient connect(int port, String user, String password, Path[] keystore) throws Exception {
        return connect(out.resolve("ca/ca.crt"), port, user, password, keystore);
    }

    private MqttAsyncClient connect(Path ca, int port, String user, String password, Path[] keystore) throws Exception {
        MqttAsyncClient c = new MqttAsyncClient("ssl://127.0.0.1:" + port, "secure-setup-test-" + CLIENT_IDS.incrementAndGet(),
                new MemoryPersistence());
        clients.add(c);
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        received.put(c, inbox);
        c.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                inbox.add(new Received(topic, message));
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverUri) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setConnectionTimeout(10);
        o.setUserName(user);
        if (password != null) {
            o.setPassword(password.getBytes(UTF_8));
        }
        o.setSocketFactory(tls(ca, keystore));
        o.setHttpsHostnameVerificationEnabled(true);
        c.connect(o).waitForCompletion(15_000);
        return c;
    }

    private int connackRefusal(int port, String user, String password, Path[] keystore) {
        MqttException e = assertThrows(MqttException.class, () -> connect(port, user, password, keystore),
                "connected although it must be refused");
        return e.getReasonCode();
    }

    private static SSLSocketFactory tls(Path ca, Path[] keystore) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", certificate(ca));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (keystore != null) {
            char[] secret = Files.readString(keystore[1]).trim().toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore[0])) {
                keys.load(in, secret);
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, secret);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    /** Subscribes with QoS 1; the client's inbox (every message it receives, in order). */
    private BlockingQueue<Received> subscribe(MqttAsyncClient c, String filter) throws MqttException {
        IMqttToken suback = c.subscribe(new MqttSubscription(filter, 1));
        suback.waitForCompletion(5_000);
        assertArrayEquals(new int[] {1}, suback.getReasonCodes(), "SUBACK for " + filter + " (granted QoS 1)");
        return received.get(c);
    }

    /** Publishes with QoS 1 and the correlation data; the PUBACK's reason code. */
    private static int publish(MqttAsyncClient c, String topic, byte[] payload, String correlation) throws MqttException {
        MqttMessage m = new MqttMessage(payload, 1, false, new MqttProperties());
        m.getProperties().setCorrelationData(correlation.getBytes(UTF_8));
        IMqttToken puback = c.publish(topic, m);
        puback.waitForCompletion(10_000);
        int[] codes = puback.getReasonCodes();
        return codes == null || codes.length == 0 ? 0 : codes[0];
    }

    private JsonNode result(BlockingQueue<Received> q, String what) throws Exception {
        Received r = q.poll(20, TimeUnit.SECONDS);
        assertNotNull(r, "no " + what + "\ngateway:\n" + gateway.output() + "\ncloud:\n" + cloud.output() + brokerLog());
        return JSON.readTree(r.payload());
    }

    private static byte[] png(String name) throws IOException {
        return Files.readAllBytes(HOME.resolve("models/fashion-mnist/png").resolve(name));
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
            return (X509Certificate) c;
        }
    }

    private static Properties cfg(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    private String brokerLog() {
        try {
            return "\nbroker log:\n" + Files.readString(brokerLog);
        } catch (IOException e) {
            return "\n(no broker log: " + e + ")";
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "hybridfog-secure-setup did not end:\n" + output);
        assertEquals(0, p.exitValue(), "hybridfog-secure-setup failed:\n" + output);
    }

    /** Mosquitto with the generated {@code fleet/broker/mosquitto.conf} as it is, once it listens on the ports. */
    private static Process startMosquitto(Path fleet, Path log, int... ports) throws Exception {
        Process p = new ProcessBuilder("/usr/sbin/mosquitto", "-c", fleet.resolve("broker/mosquitto.conf").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        for (int port : ports) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                assertTrue(p.isAlive(), () -> "mosquitto exited at start:\n" + read(log));
                assertTrue(System.nanoTime() < deadline, () -> "mosquitto does not listen on " + port + ":\n" + read(log));
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                    break;
                } catch (IOException notYet) {
                    Thread.sleep(20);
                }
            }
        }
        return p;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        return Stream.iterate(t, c -> c != null, Throwable::getCause).anyMatch(type::isInstance);
    }

    private static String describe(Throwable t) {
        return String.join(" <- ", Stream.iterate(t, c -> c != null, Throwable::getCause).map(String::valueOf).toList());
    }
}
