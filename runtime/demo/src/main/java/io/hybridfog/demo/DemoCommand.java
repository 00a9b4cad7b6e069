package io.hybridfog.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.hybridfog.onnx.ModelBundleHeaders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The main job: broker + cloud worker + edge gateway (in Felix) + a simulated device fleet replaying a test
 * set over MQTT 5, ending with a summary compared against the PyTorch evaluation of the same model.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Replay a test set from simulated MQTT devices through the edge gateway and cloud worker.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "fashion-mnist", converter = DatasetConverter.class,
            description = "Test set: fashion-mnist or cifar10 (default: ${DEFAULT-VALUE}).")
    Dataset dataset;

    @Option(names = "--model", description = "Model name (HybridFog-Model of a model bundle in the distribution). Default: "
            + "fashion-mnist-hybrid for fashion-mnist, " + Dataset.CIFAR10_DEFAULT_MODEL + " for cifar10.")
    String model;

    @Option(names = "--data", description = "cifar10: folder holding test.zip. Default: $HYBRIDFOG_DATA/cifar10, "
            + "else <home>/../shared/data/cifar10.")
    Path dataDir;

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

    @Option(names = "--stall-timeout", defaultValue = "60", description = "Seconds without any sample sent or answered "
            + "after which the replay stops and the summary counts the unanswered samples as lost (default: ${DEFAULT-VALUE}).")
    int stallTimeoutS;

    enum Dataset {
        fashion_mnist("fashion-mnist-hybrid"),
        cifar10(Dataset.CIFAR10_DEFAULT_MODEL);

        /** The shipped binary-edge variant: cut after stage 2 block 3, 1-bit edge. */
        static final String CIFAR10_DEFAULT_MODEL = "cifar10-resnet32-s2b3-b1";
        static final String CIFAR10_PREFIX = "cifar10-resnet32-";

        final String defaultModel;

        Dataset(String defaultModel) {
            this.defaultModel = defaultModel;
        }

        /** The PyTorch evaluation of {@code model} (metrics.json), relative to the checkout. */
        String metrics(String model) {
            return this == fashion_mnist ? "models/fashion-mnist/metrics.json" : "models/cifar10/" + cifarVariant(model) + "/metrics.json";
        }

        /** {@code cifar10-resnet32-s2b3-b1} -> {@code s2b3-b1}: the folder train.py writes the variant to. */
        static String cifarVariant(String model) {
            return model.startsWith(CIFAR10_PREFIX) ? model.substring(CIFAR10_PREFIX.length()) : model;
        }

        /** How the model bundle of {@code model} is produced, for the error when it is missing. */
        String producedBy(String model) {
            if (this == fashion_mnist) {
                return "it is built by the module models/fashion-mnist (mvn install -pl models/fashion-mnist,runtime/demo)";
            }
            String variant = cifarVariant(model);
            int b = variant.lastIndexOf("-b");
            String train = model.startsWith(CIFAR10_PREFIX) && b > 0
                    ? "/usr/bin/python3 models/cifar10/train.py hybrid --cut " + variant.substring(0, b) + " --bits "
                      + variant.substring(b + 2) + " --epochs 15 --threads 2"
                    : "/usr/bin/python3 models/cifar10/train.py hybrid --cut <cut> --bits <bits>";
            return "its partitions are trained and exported by `" + train + "` (after the baseline), then packaged as a "
                    + "model bundle module and added to runtime/demo's models; see models/cifar10/README.md";
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
            throw new picocli.CommandLine.TypeConversionException("unknown dataset '" + value + "' (known: fashion-mnist, cifar10)");
        }
    }

    /** The model this run uses: --model, else the dataset's default. */
    private String modelName;

    /** True if a jar in {@code dir} is a model bundle of {@code model} (its HybridFog-Model header). */
    static boolean hasModelBundle(Path dir, String model) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> jars = Files.list(dir)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                try (JarFile file = new JarFile(jar.toFile())) {
                    Manifest manifest = file.getManifest();
                    if (manifest != null && model.equals(manifest.getMainAttributes().getValue(ModelBundleHeaders.MODEL))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path homeDir = home != null ? home : Path.of(System.getenv().getOrDefault("HYBRIDFOG_HOME", ".")).toAbsolutePath();
        Path config = configDir != null ? configDir : homeDir.resolve("config/demo");
        // check everything before creating a single folder
        CliChecks.positive(spec, "--devices", devices);
        CliChecks.positive(spec, "--window", window);
        CliChecks.positive(spec, "--timeout", timeoutS);
        CliChecks.positive(spec, "--stall-timeout", stallTimeoutS);
        CliChecks.notNegative(spec, "--samples", samples);
        CliChecks.folder(spec, "--home", homeDir.resolve("models"), "is not a HybridFog checkout (no models/ folder)");
        CliChecks.folder(spec, "--config", config, "does not exist");
        CliChecks.brokerUrl(spec, brokerUrl);
        Path work = Files.createDirectories(homeDir.resolve(".hybridfog/demo"));
        Path reportFile = report != null ? report : homeDir.resolve(".hybridfog/demo-report.json");

        modelName = model != null ? model : dataset.defaultModel;
        Path modelDir = RuntimeStack.distributionDir().resolve("models");
        if (!hasModelBundle(modelDir, modelName)) {
            System.err.printf("error: no model bundle for model %s in %s: %s%n", modelName, modelDir, dataset.producedBy(modelName));
            return 2;
        }

        System.out.printf("HybridFog demo: %s, model %s%n", dataset, modelName);
        long t0 = System.nanoTime();
        int limit = samples > 0 ? samples : Integer.MAX_VALUE;
        TestSet testSet;
        try {
            testSet = dataset == Dataset.cifar10 ? Cifar10TestSet.fromFolder(Cifar10TestSet.locate(dataDir, homeDir), limit)
                    : FashionMnistTestSet.load(homeDir, limit);
        } catch (IOException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        int count = testSet.size();
        System.out.printf("  loaded %d %s images (%d ms)%n", count, testSet.name(), DeviceFleet.elapsedMs(t0));

        try (RuntimeStack stack = RuntimeStack.start(brokerUrl, config, work, modelName, testSet, devices, window)) {
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
        boolean complete = true;
        try {
            fleet.replay(count, stallTimeoutS * 1000L);
            fleet.awaitAll(count, timeoutS * 1000L, stallTimeoutS * 1000L);
        } catch (DeviceFleet.StalledException e) {
            complete = false;
            System.err.println("error: replay stopped: " + e.getMessage() + "; see "
                    + System.getProperty("hybridfog.log.dir", ".hybridfog/logs") + "/hybridfog.log");
        }
        double wallS = (System.nanoTime() - start) / 1e9;
        progress.interrupt();

        RunSummary summary = RunSummary.of(fleet.sent(), fleet.outcomes(), fleet.duplicates(), wallS);
        System.out.println();
        System.out.println("Summary (" + testSet.name() + ", " + modelName + ")");
        System.out.print(summary.table());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dataset", dataset.toString());
        out.put("model", modelName);
        out.put("devices", devices);
        out.put("window", window);
        out.put("runtime", summary.toMap());
        boolean agrees = compareWithPython(homeDir, summary, count, out);
        Files.createDirectories(reportFile.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(reportFile.toFile(), out);
        System.out.println("  report written to " + reportFile + "; log: "
                + System.getProperty("hybridfog.log.dir", ".hybridfog/logs") + "/hybridfog.log");
        return complete && summary.lost() == 0 && summary.duplicates() == 0 && agrees ? 0 : 1;
    }

    /** Compares with the PyTorch evaluation of the same exported weights and threshold (metrics.json). */
    private boolean compareWithPython(Path homeDir, RunSummary summary, int count, Map<String, Object> out) throws IOException {
        Path metricsFile = homeDir.resolve(dataset.metrics(modelName));
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
