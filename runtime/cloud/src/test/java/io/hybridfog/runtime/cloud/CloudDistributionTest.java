package io.hybridfog.runtime.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.launcher.testing.DistributionProcess;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged cloud distribution (target/hybridfog-cloud) as a child process against a private Mosquitto. The
 * end-to-end classification (gateway process + cloud process) is in the gateway module's GatewayDistributionTest.
 */
class CloudDistributionTest {
    private static final Path HOME = Path.of(System.getProperty("hybridfog.home", "../..")).toAbsolutePath().normalize();
    private static final Path DIST = Path.of(System.getProperty("hybridfog.dist", "target/hybridfog-cloud"));
    private static MosquittoBroker broker;

    @BeforeAll
    static void broker() throws IOException {
        broker = MosquittoBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void startsWithTheModelFromDeployAndStopsOnSigterm(@TempDir Path tmp) throws Exception {
        try (DistributionProcess cloud = DistributionProcess.start(DIST, "hybridfog-cloud.jar", tmp.resolve("cloud"),
                "--config", HOME.resolve("config/cloud").toString(), "--broker", broker.url())) {
            assertTrue(cloud.awaitOutput("ready:", 45_000), cloud.output());
            assertTrue(cloud.output().contains("model fashion-mnist-hybrid:1.0.0"), "model bundle from deploy/:\n" + cloud.output());
            cloud.process().destroy();
            assertNotNull(cloud.awaitExit(20_000), "did not stop on SIGTERM:\n" + cloud.output());
            assertFalse(cloud.output().contains("Exception"), cloud.output());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void invalidConfigurationKeyFailsStartupNamingTheKey(@TempDir Path tmp) throws Exception {
        Path config = Files.createDirectories(tmp.resolve("config"));
        for (String f : List.of("io.hybridfog.mqtt.cfg", "io.hybridfog.cloud.cfg", "io.hybridfog.onnx.cfg")) {
            Files.copy(HOME.resolve("config/cloud").resolve(f), config.resolve(f));
        }
        Path cfg = config.resolve("io.hybridfog.cloud.cfg");
        Files.writeString(cfg, Files.readString(cfg).replace("queue.capacity=1000", "queue.capacity=0"));
        try (DistributionProcess cloud = DistributionProcess.start(DIST, "hybridfog-cloud.jar", tmp.resolve("cloud"),
                "--config", config.toString(), "--broker", broker.url(), "--startup-timeout", "40")) {
            Integer code = cloud.awaitExit(50_000);
            assertNotNull(code, "cloud worker still running:\n" + cloud.output());
            assertEquals(2, code, cloud.output());
            String out = cloud.output();
            String summary = out.substring(out.indexOf("error: invalid configuration"));
            assertTrue(summary.contains("queue.capacity"), "the error names the key:\n" + out);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void missingConfigurationFileIsNamed(@TempDir Path tmp) throws Exception {
        Path config = Files.createDirectories(tmp.resolve("config"));
        Files.copy(HOME.resolve("config/cloud/io.hybridfog.mqtt.cfg"), config.resolve("io.hybridfog.mqtt.cfg"));
        try (DistributionProcess cloud = DistributionProcess.start(DIST, "hybridfog-cloud.jar", tmp.resolve("cloud"),
                "--config", config.toString())) {
            assertEquals(1, cloud.awaitExit(20_000), cloud.output());
            assertTrue(cloud.output().contains("io.hybridfog.cloud.cfg"), cloud.output());
        }
    }
}
