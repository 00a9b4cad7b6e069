package io.hybridfog.demo.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.hybridfog.demo.data.DatasetSpec;
import io.hybridfog.demo.data.ModelBundleJars;
import io.hybridfog.demo.data.TestSet;
import io.hybridfog.demo.runtime.DeviceFleet;
import io.hybridfog.demo.runtime.MosquittoProcess;
import io.hybridfog.demo.runtime.RunSummary;
import io.hybridfog.demo.runtime.RuntimeStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The main job: broker + cloud worker + edge gateway (in Felix) + a simulated device fleet replaying a test
 * set over MQTT 5, ending with a summary compared against the PyTorch evaluation of the same model.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Replay a test set from simulated MQTT devices through the edge gateway and cloud worker.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "Data set: a name (fashion-mnist, cifar10, "
            + "cifar100, or any data set a model bundle was trained on) or a data set configuration file (.json) "
            + "as models/train.py takes (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--model", description = "Model name (HybridFog-Model of a model bundle). Default: the data set's only "
            + "model, or when it has several fashion-mnist-hybrid (fashion-mnist), " + DatasetSpec.CIFAR10_DEFAULT_MODEL
            + " (cifar10), cifar100-resnet32-s2b3-b4 (cifar100).")
    String model;

    @Option(names = "--models", paramLabel = "<dir>", description = "Folder of model bundle jars to run. Default: the "
            + "distribution's models/ folder.")
    Path modelsDir;

    @Option(names = "--data", description = "Folder holding the test split (test.zip or test/ of <class>/<image> files, "
            + "or IDX files). Default: $HYBRIDFOG_DATA/<data set>, else <home>/../shared/data/<data set> (the data set "
            + "configuration's folder; Fashion-MNIST: /usr/share/datasets/fashion-mnist).")
    Path dataDir;

    @Option(names = "--broker", description = "MQTT broker: a URL (tcp://host:port), or 'embedded' for HiveMQ CE in this JVM. "
            + "Default: Mosquitto as a separate process on a free loopback port if it is installed, else embedded.")
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

    /**
     * The data sets {@code hybridfog bench} takes (its {@code --dataset}); demo and dse take any data set
     * ({@link DatasetSpec}).
     */
    public enum Dataset {
        fashion_mnist("fashion-mnist-hybrid"),
        cifar10(DatasetSpec.CIFAR10_DEFAULT_MODEL);

        public static final String CIFAR10_DEFAULT_MODEL = DatasetSpec.CIFAR10_DEFAULT_MODEL;

        public final String defaultModel;

        Dataset(String defaultModel) {
            this.defaultModel = defaultModel;
        }

        /** How the model bundle of {@code model} is produced, for the error when it is missing. */
        public String producedBy(String model) {
            return DatasetSpec.named(toString()).howToProduce(model);
        }

        @Override
        public String toString() {
            return name().replace('_', '-');
        }
    }

    /** picocli converter for {@link Dataset}. */
    public static final class DatasetConverter implements picocli.CommandLine.ITypeConverter<Dataset> {
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
    private DatasetSpec datasetSpec;

    /**
     * The model bundle to run: {@code --model}, else the data set's default if installed, else its only one.
     *
     * @throws IllegalStateException saying what is installed and how to produce or choose one
     */
    public static ModelBundleJars.Installed choose(DatasetSpec dataset, String model, List<ModelBundleJars.Installed> installed,
                                            Path modelDir, Path home) throws IOException {
        if (model != null) {
            return installed.stream().filter(m -> m.model().equals(model)).findFirst().orElseThrow(() -> new IllegalStateException(
                    "no model bundle for model " + model + " in " + modelDir + ": " + dataset.howToProduce(model)));
        }
        List<ModelBundleJars.Installed> ofDataset = installed.stream().filter(dataset::belongs).toList();
        if (ofDataset.isEmpty()) {
            return fail("no model bundle of data set " + dataset + " in " + modelDir + " (installed: " + names(installed)
                    + "; configured data sets: " + DatasetSpec.configured(home) + "): " + dataset.howToProduce(null));
        }
        String preferred = dataset.defaultModel();
        Optional<ModelBundleJars.Installed> byDefault = ofDataset.stream().filter(m -> m.model().equals(preferred)).findFirst();
        if (byDefault.isPresent()) {
            return byDefault.get();
        }
        if (ofDataset.size() == 1) {
            return ofDataset.get(0);
        }
        return fail("data set " + dataset + " has " + ofDataset.size() + " model bundles in " + modelDir + " "
                + names(ofDataset) + (preferred != null ? ", not its default " + preferred : "") + ": choose one with --model");
    }

    private static <T> T fail(String message) {
        throw new IllegalStateException(message);
    }

    private static String names(List<ModelBundleJars.Installed> bundles) {
        return bundles.stream().map(ModelBundleJars.Installed::model).distinct().toList().toString();
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
        if (!"embedded".equals(brokerUrl)) {
            CliChecks.brokerUrl(spec, brokerUrl);
        }
        Path work = Files.createDirectories(homeDir.resolve(".hybridfog/demo"));
        Path reportFile = report != null ? report : homeDir.resolve(".hybridfog/demo-report.json");

        try {
            datasetSpec = DatasetSpec.resolve(dataset, homeDir);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("error: --dataset " + dataset + ": " + e.getMessage());
            return 2;
        }
        Path modelDir = modelsDir != null ? modelsDir : RuntimeStack.distributionDir().resolve("models");
        if (modelsDir != null) {
            CliChecks.folder(spec, "--models", modelsDir, "is not a folder");
        }
        ModelBundleJars.Installed bundle;
        try {
            bundle = choose(datasetSpec, model, ModelBundleJars.installed(modelDir), modelDir, homeDir);
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        modelName = bundle.model();
        if (!datasetSpec.belongs(bundle)) {
            System.out.printf("  warning: model %s was not trained on data set %s (%s)%n", modelName, datasetSpec,
                    bundle.dataset() != null ? "its metadata says " + bundle.dataset() : "its name does not start with " + datasetSpec + "-");
        }

        System.out.printf("HybridFog demo: %s, model %s%n", datasetSpec, modelName);
        long t0 = System.nanoTime();
        int limit = samples > 0 ? samples : Integer.MAX_VALUE;
        TestSet testSet;
        try {
            testSet = datasetSpec.loadTestSet(dataDir, homeDir, bundle.labels(), limit);
        } catch (IOException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        int count = testSet.size();
        System.out.printf("  loaded %d %s images (%d ms)%n", count, testSet.name(), DeviceFleet.elapsedMs(t0));

        // Mosquitto, as deployed, when installed: the embedded HiveMQ delays offloads far more (docs/benchmarks.md)
        MosquittoProcess mosquitto = null;
        String url = "embedded".equals(brokerUrl) ? null : brokerUrl;
        Path exe = MosquittoProcess.executable();
        if (brokerUrl == null && exe != null) {
            mosquitto = MosquittoProcess.start(exe, work.resolve("mosquitto"));
            url = mosquitto.url();
            System.out.printf("  MQTT 5 broker: Mosquitto (%s), a separate process on %s%n", exe, url);
        }
        try (RuntimeStack stack = RuntimeStack.start(url, config, work, modelName, modelDir, testSet, devices, window)) {
            return replay(stack.fleet, testSet, count, reportFile, homeDir, bundle);
        } finally {
            if (mosquitto != null) {
                mosquitto.close();
            }
        }
    }

    private int replay(DeviceFleet fleet, TestSet testSet, int count, Path reportFile, Path homeDir, ModelBundleJars.Installed bundle)
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
        out.put("dataset", datasetSpec.name());
        out.put("model", modelName);
        out.put("devices", devices);
        out.put("window", window);
        out.put("runtime", summary.toMap());
        boolean agrees = compareWithPython(homeDir, bundle, summary, count, out);
        Files.createDirectories(reportFile.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(reportFile.toFile(), out);
        System.out.println("  report written to " + reportFile + "; log: "
                + System.getProperty("hybridfog.log.dir", ".hybridfog/logs") + "/hybridfog.log");
        return complete && summary.lost() == 0 && summary.duplicates() == 0 && agrees ? 0 : 1;
    }

    /** Compares with the PyTorch evaluation of the same exported weights and threshold (metrics.json). */
    private boolean compareWithPython(Path homeDir, ModelBundleJars.Installed bundle, RunSummary summary, int count,
                                      Map<String, Object> out) throws IOException {
        Optional<DatasetSpec.Reference> reference = datasetSpec.pytorchReference(homeDir, bundle);
        if (reference.isEmpty()) {
            System.out.println("  (no metrics.json of " + bundle.model() + " " + bundle.version() + " in models/" + datasetSpec
                    + "/" + datasetSpec.variantOf(bundle.model()) + "/ nor in its bundle: no PyTorch reference to compare with)");
            return true;
        }
        JsonNode test = reference.get().metrics().path("test");
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
                reference.get().source(), RunSummary.pct(pyAcc), RunSummary.pct(pyExit), dAcc, dExit,
                agrees ? "agrees (within 0.1)" : "DISAGREES (more than 0.1 points)");
        out.put("pytorch", Map.of("accuracy", pyAcc, "edge_exit_rate", pyExit,
                "cloud_only_accuracy", test.path("cloud_only_accuracy").asDouble()));
        out.put("agrees_with_pytorch_within_0.1_points", agrees);
        return agrees;
    }

}
