package io.hybridfog.demo.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Mosquitto as a separate process on a free loopback port, for {@code demo} and {@code bench}: anonymous clients on 127.0.0.1 only,
 * no persistence, TCP_NODELAY on its sockets, no topic aliases (as config/mosquitto). Its process id lets bench
 * measure its CPU time apart from the JVM's.
 */
public final class MosquittoProcess implements AutoCloseable {
    private static final long START_TIMEOUT_MS = 10_000;
    private final Process process;
    private final int port;

    private MosquittoProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The Mosquitto executable on this machine, or null: {@code mosquitto} on the PATH or in /usr/sbin. */
    public static Path executable() {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "mosquitto"))) {
                return Path.of(dir, "mosquitto");
            }
        }
        return null;
    }

    public static MosquittoProcess start(Path executable, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = EmbeddedBroker.freeLoopbackPort();
        Path conf = dir.resolve("mosquitto.conf");
        Files.write(conf, List.of(
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "user " + System.getProperty("user.name"),
                "set_tcp_nodelay true",
                "max_topic_alias 0",
                "persistence false",
                "max_queued_messages 100000",
                "log_dest file " + dir.resolve("mosquitto.log"),
                "log_type error",
                "log_type warning"), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(executable.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.out").toFile()).start();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("mosquitto exited with " + p.exitValue() + "; see " + dir.resolve("mosquitto.out"));
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                // a JVM stopped by Ctrl-C or SIGTERM does not run the caller's finally blocks: no orphaned broker
                Runtime.getRuntime().addShutdownHook(new Thread(p::destroy, "mosquitto-stop"));
                return new MosquittoProcess(p, port);
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroyForcibly();
        throw new IOException("mosquitto did not accept connections on port " + port + " within 10 s");
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
