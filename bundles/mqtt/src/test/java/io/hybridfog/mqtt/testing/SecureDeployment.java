package io.hybridfog.mqtt.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.MqttBusSettings.TlsFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The secured deployment for tests, made once per JVM by {@code config/mosquitto/hybridfog-secure-setup} (the
 * documented command, docs/security.md): its CA and broker certificate, its accounts and its ACL rules. Brokers
 * started here are TLS only, refuse anonymous clients and enforce the generated ACL; clients verify the broker's
 * certificate.
 *
 * <p>Unlike the generated mosquitto.conf (two listeners, client certificates required for services; run as it is by
 * {@code SecureSetupTest}), a broker here has one listener that {@link MosquittoBroker} manages (free port, restart)
 * holding the accounts and ACL rules of both, without requiring client certificates. Test passwords are fixed
 * ({@code secret-<account>}, written where the command keeps an account's password before it runs, so it uses them).
 *
 * <p>Accounts: gateway {@value #GATEWAY} (its {@code gateway.id} must be the same: the ACL lets it read only its own
 * offload replies), cloud worker {@value #CLOUD}, and the devices {@code dev-1}, {@code dev-2}, {@code dev-fault},
 * {@code dev-malformed}.
 */
public final class SecureDeployment {
    public static final String GATEWAY = "gateway-1";
    public static final String CLOUD = "cloud-1";
    /** Password of {@code client.p12} in {@link #secrets()}. */
    public static final String KEYSTORE_PASSWORD = "p12-secret";
    private static final List<String> DEVICES = List.of("dev-1", "dev-2", "dev-fault", "dev-malformed");
    private static final Path SETUP = Path.of(System.getProperty("hybridfog.config.dir", "../../config"))
            .resolve("mosquitto/hybridfog-secure-setup");
    private static Path secrets;

    private SecureDeployment() {
    }

    /** Starts a broker with TLS, the generated accounts and ACL, plus {@code extraConfig} lines. */
    public static MosquittoBroker startBroker(List<String> extraConfig) throws IOException {
        Path s = secrets();
        return MosquittoBroker.startSecure(s, s.resolve("passwords"), s.resolve("acl"), extraConfig);
    }

    /** Settings of a client logged in as {@code account}, trusting the generated CA. */
    public static MqttBusSettings settings(MosquittoBroker broker, String clientId, String account) throws IOException {
        return MqttBusSettings.of(broker.url(), clientId).withCredentials(account, "secret-" + account)
                .withTlsFiles(new TlsFiles(secrets().resolve("ca.crt").toString(), null, null));
    }

    /**
     * The folder with {@code ca.crt}, {@code broker.crt}/{@code .key}, {@code passwords} and {@code acl} (both
     * listeners' files in one), and {@code client.p12}: the gateway's client certificate (password
     * {@value #KEYSTORE_PASSWORD}).
     */
    public static synchronized Path secrets() throws IOException {
        if (secrets == null) {
            Path dir = Files.createTempDirectory("hybridfog-secrets-");
            Path fleet = generate(dir, KEYSTORE_PASSWORD);
            Path broker = fleet.resolve("broker");
            Files.write(dir.resolve("passwords"), concat(broker.resolve("passwords-devices"), broker.resolve("passwords-services")));
            // device rules (patterns) first: they hold for every account of the file
            Files.write(dir.resolve("acl"), concat(broker.resolve("acl-devices"), broker.resolve("acl-services")));
            secrets = dir;
        }
        return secrets;
    }

    /**
     * Runs {@code hybridfog-secure-setup} into {@code dir/fleet} and copies its CA certificate, the broker's certificate
     * and key (for 127.0.0.1 and localhost) and the gateway's PKCS#12 keystore ({@code client.p12}, password
     * {@code keystorePassword}) into {@code dir}.
     *
     * @return {@code dir/fleet}
     */
    public static Path makeTestPki(Path dir, String keystorePassword) throws IOException {
        return generate(dir, keystorePassword);
    }

    private static Path generate(Path dir, String keystorePassword) throws IOException {
        Path fleet = dir.resolve("fleet");
        seed(fleet.resolve("gateways").resolve(GATEWAY), keystorePassword);
        seed(fleet.resolve("cloud-workers").resolve(CLOUD), keystorePassword);
        for (String device : DEVICES) {
            seed(fleet.resolve("devices").resolve(device), null);
        }
        run(List.of(SETUP.toString(), "--out", fleet.toString(), "--broker-host", "127.0.0.1,localhost",
                "--gateways", GATEWAY, "--cloud-workers", CLOUD, "--devices", String.join(",", DEVICES)));
        Files.copy(fleet.resolve("ca/ca.crt"), dir.resolve("ca.crt"));
        Files.copy(fleet.resolve("broker/broker.crt"), dir.resolve("broker.crt"));
        Files.copy(fleet.resolve("broker/broker.key"), dir.resolve("broker.key"));
        Files.copy(fleet.resolve("gateways").resolve(GATEWAY).resolve(GATEWAY + ".p12"), dir.resolve("client.p12"));
        return fleet;
    }

    /** The test's password ({@code secret-<account>}) and keystore password where the command keeps them. */
    private static void seed(Path entity, String keystorePassword) throws IOException {
        Files.createDirectories(entity);
        Files.writeString(entity.resolve("password"), "secret-" + entity.getFileName() + "\n");
        if (keystorePassword != null) {
            Files.writeString(entity.resolve("keystore-password"), keystorePassword + "\n");
        }
    }

    private static List<String> concat(Path first, Path second) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(first, UTF_8));
        lines.addAll(Files.readAllLines(second, UTF_8));
        return lines;
    }

    private static void run(List<String> command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(command + " failed:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command, e);
        }
    }
}
