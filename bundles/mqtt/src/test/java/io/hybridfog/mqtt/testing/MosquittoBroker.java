package io.hybridfog.mqtt.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private Mosquitto broker for tests: its own config file, a free port on 127.0.0.1, no persistence,
 * TCP_NODELAY, anonymous clients allowed. Traffic stays on loopback.
 *
 * <pre>{@code
 * try (MosquittoBroker broker = MosquittoBroker.start()) {
 *     connect(broker.url());   // tcp://127.0.0.1:<port>
 *     broker.restart();        // same port, empty state
 * }
 * }</pre>
 *
 * The executable is {@code /usr/sbin/mosquitto} (Debian package {@code mosquitto}) unless the system property
 * {@value #EXECUTABLE_PROPERTY} names another; if it is missing, {@link #start()} fails (tests do not silently pass).
 * Reuse from other modules: depend on {@code io.hybridfog:hybridfog-mqtt:${project.version}} with
 * {@code <type>test-jar</type>} and {@code <scope>test</scope>}.
 */
public final class MosquittoBroker implements AutoCloseable {
    public static final String EXECUTABLE_PROPERTY = "hybridfog.mosquitto";
    private static final long START_TIMEOUT_MS = 10_000;
    private static final long STOP_TIMEOUT_MS = 5_000;

    private final Path dir;
    private final Path config;
    private final Path log;
    private final int port;
    private final boolean tls;
    private final Thread shutdownHook;
    private Process process;

    private MosquittoBroker(Path dir, int port, List<String> extraConfig) throws IOException {
        this.dir = dir;
        this.port = port;
        this.tls = extraConfig.stream().anyMatch(l -> l.startsWith("certfile "));
        this.config = dir.resolve("mosquitto.conf");
        this.log = dir.resolve("mosquitto.log");
        List<String> lines = new ArrayList<>(List.of(
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                // started as root, Mosquitto would switch to the user 'mosquitto', who cannot read the test's
                // private files (keys, password file); as any other user it stays who it is
                "user " + System.getProperty("user.name"),
                "set_tcp_nodelay true",
                // as hybridfog-secure-setup's mosquitto.conf: Paho 1.2.5 keeps its outgoing topic aliases across a
                // reconnect and the broker then closes the connection with a protocol error, again and again
                "max_topic_alias 0",
                "persistence false",
                "log_dest stdout",
                "log_type error",
                "log_type warning",
                "log_type notice",
                "log_type information",
                "connection_messages true"));
        lines.addAll(extraConfig);
        Files.write(config, lines, StandardCharsets.UTF_8);
        this.shutdownHook = new Thread(this::stop, "mosquitto-" + port + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a broker with the default configuration. */
    public static MosquittoBroker start() throws IOException {
        return start(List.of());
    }

    /**
     * Starts a broker on a free loopback port.
     *
     * @param extraConfig more mosquitto.conf lines, e.g. {@code max_inflight_messages 5}
     * @throws IOException if Mosquitto is missing or does not accept connections within 10 s
     */
    public static MosquittoBroker start(List<String> extraConfig) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken between probe and bind
            Path dir = Files.createTempDirectory("hybridfog-mosquitto-");
            MosquittoBroker b = new MosquittoBroker(dir, freePort(), extraConfig);
            try {
                b.launch();
                return b;
            } catch (IOException e) {
                last = e;
                b.close();
            }
        }
        throw last;
    }

    /**
     * Starts a secured broker: TLS only (the listener presents {@code secrets/broker.crt},
     * signed by {@code secrets/ca.crt}), no anonymous clients, accounts from {@code passwordFile}, access control
     * from {@code aclFile}.
     *
     * @param secrets folder with {@code ca.crt}, {@code broker.crt} and {@code broker.key} ({@link SecureDeployment#secrets()})
     */
    public static MosquittoBroker startSecure(Path secrets, Path passwordFile, Path aclFile, List<String> extraConfig)
            throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "cafile " + secrets.resolve("ca.crt").toAbsolutePath(),
                "certfile " + secrets.resolve("broker.crt").toAbsolutePath(),
                "keyfile " + secrets.resolve("broker.key").toAbsolutePath(),
                "require_certificate false",
                "allow_anonymous false",
                "password_file " + passwordFile.toAbsolutePath(),
                "acl_file " + aclFile.toAbsolutePath()));
        lines.addAll(extraConfig);
        return start(lines);
    }

    /** {@code tcp://127.0.0.1:<port>}, or {@code ssl://127.0.0.1:<port>} for a {@link #startSecure} broker */
    public String url() {
        return (tls ? "ssl" : "tcp") + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 5 s); clients see the connection drop. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Starts the broker again on the same port after {@link #stop()}; it starts empty (no persistence). */
    public synchronized void startAgain() throws IOException {
        if (isRunning()) {
            throw new IllegalStateException("broker on port " + port + " is running");
        }
        launch();
    }

    /** {@link #stop()} then {@link #startAgain()}. */
    public void restart() throws IOException {
        stop();
        startAgain();
    }

    /** The broker's log so far (for failure messages). */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the broker and deletes its folder. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or will run
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp folder; nothing else to do
        }
    }

    private synchronized void launch() throws IOException {
        String exe = System.getProperty(EXECUTABLE_PROPERTY, "/usr/sbin/mosquitto");
        if (!Files.isExecutable(Path.of(exe))) {
            throw new IOException("Mosquitto not found at " + exe + " (install the Debian package mosquitto or set -D"
                    + EXECUTABLE_PROPERTY + ")");
        }
        process = new ProcessBuilder(exe, "-c", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                process = null;
                throw new IOException("mosquitto exited at start on port " + port + ":\n" + log());
            }
            if (accepts()) {
                return;
            }
            sleep(20);
        }
        stop();
        throw new IOException("mosquitto did not accept connections on port " + port + " within " + START_TIMEOUT_MS
                + " ms:\n" + log());
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
