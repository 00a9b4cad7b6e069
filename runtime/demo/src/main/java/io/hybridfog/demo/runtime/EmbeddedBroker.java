package io.hybridfog.demo.runtime;

import com.hivemq.embedded.EmbeddedHiveMQ;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * An MQTT 5 broker inside the demo's JVM (HiveMQ Community Edition, embedded mode), listening on a free
 * loopback port. Anonymous usage statistics are switched off: the demo must not phone home.
 */
public final class EmbeddedBroker implements AutoCloseable {
    private final EmbeddedHiveMQ hivemq;
    private final int port;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, int port) {
        this.hivemq = hivemq;
        this.port = port;
    }

    static EmbeddedBroker start(Path workDir) throws IOException {
        int port = freeLoopbackPort();
        Path conf = Files.createDirectories(workDir.resolve("conf"));
        Path data = Files.createDirectories(workDir.resolve("data"));
        Path extensions = Files.createDirectories(workDir.resolve("extensions"));
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners>
                    <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
                  </listeners>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                  <persistence><mode>in-memory</mode></persistence>
                  <!-- Paho 1.2.5 reuses its outgoing topic aliases after a reconnect (docs/reliability.md) -->
                  <mqtt><topic-alias><enabled>false</enabled></topic-alias></mqtt>
                </hivemq>
                """.formatted(port));
        // HiveMQ reconfigures the JVM's logback from its conf folder: give it the command line's own configuration
        try (var config = EmbeddedBroker.class.getResourceAsStream("/hybridfog-logback.xml")) {
            Files.copy(config, conf.resolve("logback.xml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf).withDataFolder(data).withExtensionsFolder(extensions).build();
        try {
            hivemq.start().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("embedded MQTT broker did not start: " + e.getMessage(), e);
        }
        return new EmbeddedBroker(hivemq, port);
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            hivemq.stop().get(30, TimeUnit.SECONDS);
            hivemq.close();
        } catch (Exception e) {
            System.err.println("warning: embedded broker did not stop cleanly: " + e.getMessage());
        }
    }
}
