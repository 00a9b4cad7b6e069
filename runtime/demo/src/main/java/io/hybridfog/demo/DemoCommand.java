package io.hybridfog.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The main job: broker + cloud worker + edge gateway (in Felix) + a simulated device fleet replaying a test
 * set over MQTT 5, ending with a summary compared against the PyTorch evaluation of the same model.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Replay a test set from simulated MQTT devices through the edge gateway and cloud worker.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "fashion-mnist", converter = DatasetConverter.class,
            description = "Test set and model: fashion-mnist (default: ${DEFAULT-VALUE}).")
    Dataset dataset;

    @Option(names = "--broker", description = "MQTT broker URL (tcp://host:port). Default: an embedded broker on a free loopback port.")
    String brokerUrl;

    @Option(names = "--samples", defaultValue = "0", description = "Number of test samples to replay (0 = all).")
    int samples;

    @Option(names = "--devices", defaultValue = "4", description = "Simulated devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--window", defaultValue = "8", description = "Samples in flight per device (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--home", description = "HybridFog checkout (models/, config/). Default: $HYBRIDFOG_HOME or the current folder.")
    Path home;

    @Option(names = "--config", description = "ConfigAdmin folder of .cfg files. Default: <home>/config/demo.")
    Path configDir;

    @Option(names = "--report", description = "Write the summary as JSON here. Default: <home>/.hybridfog/demo-report.json.")
    Path report;

    @Option(names = "--timeout", defaultValue = "120", description = "Seconds to wait for the last results (default: ${DEFAULT-VALUE}).")
    int timeoutS;

    enum Dataset {
        fashion_mnist("fashion-mnist-hybrid", "models/fashion-mnist/metrics.json");

        final String model;
        final String metrics;

        Dataset(String model, String metrics) {
            this.model = model;
            this.metrics = metrics;
        }

        @Override
        public String toString() {
            return name().replace('_', '-');
        }
    }

    static final class DatasetConverter implements picocli.CommandLine.ITypeConverter<Dataset> {
        @Override
        public Dataset convert(String value) {
            for (Dataset d : Dataset.values()) {
                if (d.toString().equals(value)) {
                    return d;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("unknown dataset '" + value + "' (known: fashion-mnist)");
        }
    }

    @Override
    public Integer call() throws Exception {
        Path homeDir = home != null ? home : Path.of(System.getenv().getOrDefault("HYBRIDFOG_HOME", ".")).toAbsolutePath();
        Path config = configDir != null ? configDir : homeDir.resolve("config/demo");
        Path work = Files.createDirectories(homeDir.resolve(".hybridfog/demo"));
        Path reportFile = report != null ? report : homeDir.resolve(".hybridfog/demo-report.json");
        if (devices < 1 || window < 1) {
            throw new IllegalArgumentException("--devices and --window must be >= 1");
        }

        System.out.printf("HybridFog demo: %s, model %s%n", dataset, dataset.model);
        long t0 = System.nanoTime();
        TestSet testSet = FashionMnistTestSet.load(homeDir, samples > 0 ? samples : Integer.MAX_VALUE);
        int count = testSet.size();
        System.out.printf("  loaded %d %s images (%d ms)%n", count, testSet.name(), DeviceFleet.elapsedMs(t0));

        try (RuntimeStack stack = RuntimeStack.start(brokerUrl, config, work, dataset.model, testSet, devices, window)) {
            return replay(stack.fleet, testSet, count, reportFile, homeDir);
        }
    }

    private int replay(DeviceFleet fleet, TestSet testSet, int count, Path reportFile, Path homeDir)
            throws InterruptedException, IOException {
        System.out.printf("  replaying %d samples from %d devices (%d in flight each)%n", count, devices, window);
        long start = System.nanoTime();
        Thread progress = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(2000);
                    double s = (System.nanoTime() - start) / 1e9;
                    System.out.printf("  ... %6d / %d answered (%.0f samples/s)%n", fleet.answered(), count, fleet.answered() / s);
                }
            } catch (InterruptedException e) {
                // replay finished
            }
        }, "progress");
        progress.setDaemon(true);
        progress.start();
        fleet.replay(count);
        boolean complete = fleet.awaitAll(count, timeoutS * 1000L);
        double wallS = (System.nanoTime() - start) / 1e9;
        progress.interrupt();

        RunSummary summary = RunSummary.of(fleet.sent(), fleet.outcomes(), fleet.duplicates(), wallS);
        System.out.println();
        System.out.println("Summary (" + testSet.name() + ", " + dataset.model + ")");
        System.out.print(summary.table());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dataset", dataset.toString());
        out.put("model", dataset.model);
        out.put("devices", devices);
        out.put("window", window);
        out.put("runtime", summary.toMap());
        boolean agrees = compareWithPython(homeDir, summary, count, out);
        Files.createDirectories(reportFile.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(reportFile.toFile(), out);
        System.out.println("  report written to " + reportFile);
        return complete && summary.lost() == 0 && summary.duplicates() == 0 && agrees ? 0 : 1;
    }

    /** Compares with the PyTorch evaluation of the same exported weights and threshold (metrics.json). */
    private boolean compareWithPython(Path homeDir, RunSummary summary, int count, Map<String, Object> out) throws IOException {
        Path metricsFile = homeDir.resolve(dataset.metrics);
        if (!Files.exists(metricsFile)) {
            System.out.println("  (no " + metricsFile + ": no PyTorch reference to compare with)");
            return true;
        }
        JsonNode test = new ObjectMapper().readTree(metricsFile.toFile()).path("test");
        if (test.path("samples").asInt() != count) {
            System.out.printf("  (PyTorch reference covers %d samples, this run %d: not compared)%n", test.path("samples").asInt(), count);
            return true;
        }
        double pyAcc = test.path("hybrid_accuracy").asDouble();
        double pyExit = test.path("edge_exit_rate").asDouble();
        double dAcc = 100 * (summary.accuracy() - pyAcc);
        double dExit = 100 * (summary.edgeExitRate() - pyExit);
        boolean agrees = Math.abs(dAcc) <= 0.1 && Math.abs(dExit) <= 0.1;
        System.out.printf("  PyTorch evaluation (%s): accuracy %s, exited at edge %s; difference %+.2f / %+.2f points -> %s%n",
                metricsFile.getFileName(), RunSummary.pct(pyAcc), RunSummary.pct(pyExit), dAcc, dExit,
                agrees ? "agrees (within 0.1)" : "DISAGREES (more than 0.1 points)");
        out.put("pytorch", Map.of("accuracy", pyAcc, "edge_exit_rate", pyExit,
                "cloud_only_accuracy", test.path("cloud_only_accuracy").asDouble()));
        out.put("agrees_with_pytorch_within_0.1_points", agrees);
        return agrees;
    }

}
