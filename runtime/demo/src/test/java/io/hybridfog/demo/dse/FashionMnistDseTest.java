package io.hybridfog.demo.dse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.demo.HybridFogCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Cross-check of {@code hybridfog dse} against the PyTorch test evaluation of the shipped Fashion-MNIST model
 * (models/fashion-mnist/metrics.json): at the calibrated threshold the DSE must find the same accuracy and edge-exit
 * rate, to the sample. Runs the real model bundle over all 10,000 test images (edge and cloud once each, about 10 s
 * on 2 cores).
 */
class FashionMnistDseTest {
    private static final String POM_PROPERTIES = "META-INF/maven/io.hybridfog/hybridfog-model-fashion-mnist/pom.properties";

    @Test
    @Timeout(180)
    void calibratedPointEqualsThePyTorchEvaluation(@TempDir Path out) throws Exception {
        Path home = Path.of(System.getProperty("hybridfog.home", "../..")).toAbsolutePath().normalize();
        Path jar = modelJar(home);
        int rc = new CommandLine(new HybridFogCli()).execute("dse", "--dataset", "fashion-mnist", "--models", jar.toString(),
                "--home", home.toString(), "--out", out.toString());
        assertEquals(0, rc, "hybridfog dse exit code");

        JsonNode metrics = new ObjectMapper().readTree(home.resolve("models/fashion-mnist/metrics.json").toFile());
        JsonNode test = metrics.path("test");
        int samples = test.path("samples").asInt();
        List<String> lines = Files.readAllLines(out.resolve("dse.csv"));
        List<String> header = List.of(lines.get(0).split(","));
        List<String[]> calibrated = lines.stream().skip(1).map(l -> l.split(","))
                .filter(r -> r[header.indexOf("calibrated")].equals("true")).toList();
        assertEquals(1, calibrated.size(), "one calibrated point");
        String[] row = calibrated.get(0);
        assertEquals(metrics.path("threshold_nats").asDouble(), Double.parseDouble(row[header.indexOf("threshold")]), 1e-12);
        assertEquals(samples, Integer.parseInt(row[header.indexOf("samples")]));
        // 91.08 % and 86.66 % of 10,000: the same samples right and the same samples exited, not just close
        assertEquals(Math.round(test.path("hybrid_accuracy").asDouble() * samples), Integer.parseInt(row[header.indexOf("correct")]),
                "correct answers at the calibrated threshold");
        assertEquals(Math.round(test.path("edge_exit_rate").asDouble() * samples), Integer.parseInt(row[header.indexOf("edge_exits")]),
                "edge exits at the calibrated threshold");
        assertEquals(1 + 42, lines.size(), "41 default thresholds + the calibrated one");
        assertEquals("833", row[header.indexOf("offload_bytes_per_offloaded_sample")]);
    }

    /** The model bundle jar: from the test class path (a provided dependency), else the module's build output. */
    private static Path modelJar(Path home) throws IOException {
        URL url = FashionMnistDseTest.class.getClassLoader().getResource(POM_PROPERTIES);
        if (url != null && url.getProtocol().equals("jar")) {
            try {
                return Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
            } catch (java.net.URISyntaxException e) {
                throw new IOException(e);
            }
        }
        Path target = home.resolve("models/fashion-mnist/target");
        try (Stream<Path> files = Files.list(target)) {
            Path jar = files.filter(p -> p.getFileName().toString().matches("(fashion-mnist-hybrid|hybridfog-model-fashion-mnist)-.*\\.jar"))
                    .findFirst().orElse(null);
            assertNotNull(jar, "no Fashion-MNIST model bundle on the class path or in " + target + " (mvn install it first)");
            return jar;
        }
    }
}
