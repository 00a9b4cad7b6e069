package io.hybridfog.mqtt.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.MqttBusSettings.TlsFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The secured deployment of config/mosquitto for tests: a test PKI made by {@code make-test-pki.sh}, accounts made by
 * {@code make-passwords.sh} (password {@code secret-<account>} each) and the committed ACL file, once per JVM. Brokers
 * started here are TLS only, refuse anonymous clients and enforce the ACL; clients verify the broker's certificate.
 *
 * <p>Accounts: {@value #GATEWAY}, {@value #CLOUD} and the devices {@code dev-1}, {@code dev-2}, {@code dev-fault},
 * {@code dev-malformed}.
 */
public final class SecureDeployment {
    public static final String GATEWAY = "hybridfog-gateway";
    public static final String CLOUD = "hybridfog-cloud";
    private static final List<String> ACCOUNTS = List.of(GATEWAY, CLOUD, "hybridfog-monitor", "dev-1", "dev-2", "dev-fault",
            "dev-malformed");
    private static final Path CONFIG = Path.of(System.getProperty("hybridfog.config.dir", "../../config")).resolve("mosquitto");
    private static Path secrets;

    private SecureDeployment() {
    }

    /** Starts a broker with TLS, accounts and the ACL of config/mosquitto, plus {@code extraConfig} lines. */
    public static MosquittoBroker startBroker(List<String> extraConfig) throws IOException {
        Path s = secrets();
        return MosquittoBroker.startSecure(s, s.resolve("passwords"), CONFIG.resolve("acl"), extraConfig);
    }

    /** Settings of a client logged in as {@code account}, trusting the test CA. */
    public static MqttBusSettings settings(MosquittoBroker broker, String clientId, String account) throws IOException {
        return MqttBusSettings.of(broker.url(), clientId).withCredentials(account, "secret-" + account)
                .withTlsFiles(new TlsFiles(secrets().resolve("ca.crt").toString(), null, null));
    }

    /** The folder with {@code ca.crt}, the broker's key and certificate, {@code client.p12} and {@code passwords}. */
    public static synchronized Path secrets() throws IOException {
        if (secrets == null) {
            Path dir = Files.createTempDirectory("hybridfog-secrets-");
            makeTestPki(dir, "p12-secret");
            StringBuilder accounts = new StringBuilder();
            ACCOUNTS.forEach(a -> accounts.append(a).append(" secret-").append(a).append('\n'));
            run(List.of("bash", CONFIG.resolve("make-passwords.sh").toString(), dir.resolve("passwords").toString()),
                    accounts.toString());
            secrets = dir;
        }
        return secrets;
    }

    /** Runs config/mosquitto/make-test-pki.sh: a CA, a broker certificate for 127.0.0.1/localhost, client.p12. */
    public static void makeTestPki(Path dir, String keystorePassword) throws IOException {
        run(List.of("bash", CONFIG.resolve("make-test-pki.sh").toString(), dir.toString(), keystorePassword), null);
    }

    private static void run(List<String> command, String stdin) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(UTF_8));
            }
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
