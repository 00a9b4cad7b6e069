package io.hybridfog.mqtt.internal;

import static io.hybridfog.mqtt.testing.SecureDeployment.GATEWAY;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.PublishRefusedException;
import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.MqttBusSettings.TlsFiles;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import io.hybridfog.mqtt.testing.SecureDeployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client side of the secured deployment against a real Mosquitto ({@link SecureDeployment}: TLS, accounts and ACL
 * made by config/mosquitto/hybridfog-secure-setup, on one listener). The generated mosquitto.conf itself, with the
 * packaged gateway and cloud worker, is tested by SecureSetupTest in runtime/gateway.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SecureBrokerTest {
    private static Path secrets;
    private static MosquittoBroker broker;
    private final List<PahoMessageBus> buses = new ArrayList<>();

    @BeforeAll
    static void startSecureBroker() throws Exception {
        secrets = SecureDeployment.secrets();
        broker = SecureDeployment.startBroker(List.of());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @AfterEach
    void closeBuses() {
        buses.forEach(PahoMessageBus::close);
    }

    @Test
    void accountsDoTheirJobOverTls() throws Exception {
        PahoMessageBus gateway = connected(GATEWAY, "secret-" + GATEWAY, trusted());
        PahoMessageBus device = connected("dev-1", "secret-dev-1", trusted());
        BlockingQueue<BusMessage> samples = new LinkedBlockingQueue<>();
        BlockingQueue<BusMessage> results = new LinkedBlockingQueue<>();
        gateway.subscribe("hybridfog/samples/+", samples::add);
        device.subscribe("hybridfog/results/dev-1", results::add);

        device.publish(BusMessage.of("hybridfog/samples/dev-1", "image".getBytes(UTF_8))).get(5, TimeUnit.SECONDS);
        assertEquals("hybridfog/samples/dev-1", samples.poll(5, TimeUnit.SECONDS).topic());
        gateway.publish(BusMessage.of("hybridfog/results/dev-1", "{}".getBytes(UTF_8))).get(5, TimeUnit.SECONDS);
        assertEquals("{}", new String(results.poll(5, TimeUnit.SECONDS).payload(), UTF_8));
    }

    @Test
    void noAccountAndAWrongPasswordAreRefused() throws Exception {
        // the broker's MQTT 5 CONNACK reason code (OASIS MQTT 5.0 §3.2.2.2): Mosquitto 2.0 answers 0x87 "not
        // authorized" in all three cases (it does not tell a wrong password from an unknown account)
        assertEquals(0x87, refusalReasonCode(null, null, trusted()), "anonymous client");
        assertEquals(0x87, refusalReasonCode("dev-1", "wrong", trusted()), "wrong password");
        assertEquals(0x87, refusalReasonCode("nobody", "secret-dev-1", trusted()), "unknown account");
    }

    @Test
    void aDeviceCanNeitherReadAnotherDevicesResultsNorSendAsAnotherDevice() throws Exception {
        PahoMessageBus gateway = connected(GATEWAY, "secret-" + GATEWAY, trusted());
        PahoMessageBus intruder = connected("dev-2", "secret-dev-2", trusted());
        BlockingQueue<BusMessage> samples = new LinkedBlockingQueue<>();
        gateway.subscribe("hybridfog/samples/+", samples::add);

        // Mosquitto 2.0 grants the subscription but checks the ACL on every delivery: nothing of dev-1 arrives
        PahoMessageBus owner = connected("dev-1", "secret-dev-1", trusted());
        BlockingQueue<BusMessage> ownerResults = new LinkedBlockingQueue<>();
        BlockingQueue<BusMessage> stolen = new LinkedBlockingQueue<>();
        owner.subscribe("hybridfog/results/dev-1", ownerResults::add);
        intruder.subscribe("hybridfog/results/dev-1", stolen::add);
        intruder.subscribe("hybridfog/results/+", stolen::add);
        gateway.publish(BusMessage.of("hybridfog/results/dev-1", "{}".getBytes(UTF_8))).get(5, TimeUnit.SECONDS);
        assertEquals("hybridfog/results/dev-1", ownerResults.poll(5, TimeUnit.SECONDS).topic());
        assertNull(stolen.poll(1, TimeUnit.SECONDS), "dev-2 read a result of dev-1");
        ExecutionException send = assertThrows(ExecutionException.class, () -> intruder.publish(
                BusMessage.of("hybridfog/samples/dev-1", "forged".getBytes(UTF_8))).get(5, TimeUnit.SECONDS));
        assertTrue(send.getCause() instanceof PublishRefusedException, String.valueOf(send.getCause()));
        assertNull(samples.poll(1, TimeUnit.SECONDS), "the forged sample reached the gateway");
        // nor forge a result directly, nor an offload reply, nor an offload request
        BlockingQueue<BusMessage> replies = new LinkedBlockingQueue<>();
        gateway.subscribe("hybridfog/offload-replies/gateway-1", replies::add);
        for (String topic : List.of("hybridfog/results/dev-1", "hybridfog/offload-replies/gateway-1", "hybridfog/offload/gateway-1")) {
            ExecutionException forged = assertThrows(ExecutionException.class, () -> intruder.publish(
                    BusMessage.of(topic, "{\"label\":\"FORGED\"}".getBytes(UTF_8))).get(5, TimeUnit.SECONDS), topic);
            assertTrue(forged.getCause() instanceof PublishRefusedException, topic + ": " + forged.getCause());
        }
        assertNull(ownerResults.poll(1, TimeUnit.SECONDS), "a forged result reached dev-1");
        assertNull(replies.poll(1, TimeUnit.SECONDS), "a forged offload reply reached the gateway");
        // its own topics work
        intruder.publish(BusMessage.of("hybridfog/samples/dev-2", "own".getBytes(UTF_8))).get(5, TimeUnit.SECONDS);
        assertEquals("hybridfog/samples/dev-2", samples.poll(5, TimeUnit.SECONDS).topic());
    }

    @Test
    void aBrokerCertificateFromAnotherCaIsRefused() throws Exception {
        Path other = Files.createTempDirectory("hybridfog-other-ca-");
        SecureDeployment.makeTestPki(other, "x");
        Throwable failure = refusal("dev-1", "secret-dev-1", new TlsFiles(other.resolve("ca.crt").toString(), null, null));
        assertTrue(hasCause(failure, javax.net.ssl.SSLHandshakeException.class),
                "the client must refuse the broker's certificate in the TLS handshake, got: " + describe(failure));
    }

    /** A broker that requires client certificates: the PKCS#12 keystore's certificate gets in, no certificate does not. */
    @Test
    void aClientCertificateFromAPkcs12KeystoreIsAccepted() throws Exception {
        MosquittoBroker strict = SecureDeployment.startBroker(List.of("require_certificate true"));
        try {
            PahoMessageBus withCertificate = bus(strict, GATEWAY, "secret-" + GATEWAY,
                    new TlsFiles(secrets.resolve("ca.crt").toString(), secrets.resolve("client.p12").toString(),
                            SecureDeployment.KEYSTORE_PASSWORD));
            assertTrue(withCertificate.awaitConnected(10_000), () -> "keystore client did not connect; broker log:\n" + strict.log());
            Throwable without = refusal(bus(strict, GATEWAY, "secret-" + GATEWAY, trusted()));
            assertTrue(hasCause(without, javax.net.ssl.SSLException.class) || hasCause(without, java.io.IOException.class),
                    "without a client certificate the TLS handshake must fail, got: " + describe(without));
        } finally {
            buses.forEach(PahoMessageBus::close);
            buses.clear();
            strict.close();
        }
    }

    private static TlsFiles trusted() {
        return new TlsFiles(secrets.resolve("ca.crt").toString(), null, null);
    }

    private PahoMessageBus connected(String user, String password, TlsFiles tls) throws InterruptedException {
        PahoMessageBus b = bus(user, password, tls);
        assertTrue(b.awaitConnected(10_000), () -> user + " did not connect; broker log:\n" + broker.log());
        return b;
    }

    /** The broker's CONNACK reason code of a refused connection; fails if it connects or fails otherwise. */
    private int refusalReasonCode(String user, String password, TlsFiles tls) throws InterruptedException {
        Throwable failure = refusal(user, password, tls);
        assertTrue(failure instanceof MqttException, "expected a CONNACK refusal, got: " + describe(failure));
        return ((MqttException) failure).getReasonCode();
    }

    private Throwable refusal(String user, String password, TlsFiles tls) throws InterruptedException {
        return refusal(bus(user, password, tls));
    }

    /** Waits for the bus's first connection attempt to fail; fails if it connects. */
    private static Throwable refusal(PahoMessageBus b) throws InterruptedException {
        assertFalse(b.awaitConnected(3_000), "connected although it must be refused");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (b.lastConnectFailure() == null && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertNotNull(b.lastConnectFailure(), "no connection failure recorded");
        return b.lastConnectFailure();
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(b.length() == 0 ? "" : " <- ").append(c);
        }
        return b.toString();
    }

    private PahoMessageBus bus(String user, String password, TlsFiles tls) {
        return bus(broker, user, password, tls);
    }

    private PahoMessageBus bus(MosquittoBroker target, String user, String password, TlsFiles tls) {
        PahoMessageBus b = new PahoMessageBus(MqttBusSettings.of(target.url(), "secure-" + user + "-" + System.nanoTime() % 100000)
                .withConnectTimeoutS(3).withCredentials(user, password).withTlsFiles(tls));
        buses.add(b);
        b.start();
        return b;
    }
}
