package io.hybridfog.demo.dse;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import io.hybridfog.api.EnergyModel;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.demo.data.DatasetSpec;
import io.hybridfog.demo.data.ModelBundleJars;
import io.hybridfog.demo.data.TestSet;
import io.hybridfog.demo.runtime.RuntimeStack;
import io.hybridfog.energy.MacEnergyModel;
import io.hybridfog.onnx.ModelBundle;
import io.hybridfog.onnx.ModelBundleLoader;
import io.hybridfog.onnx.OnnxCloudPartition;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.onnx.PartitionKind;
import io.hybridfog.policy.CloudOnlyPolicy;
import io.hybridfog.policy.EdgeOnlyPolicy;
import io.hybridfog.policy.EntropyPolicy;
import io.hybridfog.policy.MarginPolicy;
import io.hybridfog.policy.MaxSoftmaxPolicy;
import io.hybridfog.policy.NormalizedEntropyPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * Design space exploration: for each model bundle (cut point x edge bit-width), run the network once over a test
 * set, then sweep exit thresholds over the stored outputs; report accuracy, edge-exit rate, energy per sample and
 * offload bytes of every (variant, threshold), the Pareto front and the calibrated points.
 */
@Command(name = "dse", mixinStandardHelpOptions = true,
        description = {"Design space exploration: accuracy vs energy of every model variant (cut x edge bit-width) "
                + "over a sweep of exit thresholds, from one run of each partition over the test set.",
                "Writes dse.csv (every point), dse.md (Pareto-optimal and calibrated points) and pareto.html (plot)."})
public final class DseCommand implements Callable<Integer> {

    /** The exit policies of bundles/policy, as the gateway finds them by name. */
    static final List<ExitPolicy> POLICIES = List.of(new EntropyPolicy(), new NormalizedEntropyPolicy(),
            new MaxSoftmaxPolicy(), new MarginPolicy(), new EdgeOnlyPolicy(), new CloudOnlyPolicy());

    /** Held so that its level stays set (JUL keeps loggers only weakly). */
    private static final java.util.logging.Logger ENERGY_LOG = java.util.logging.Logger.getLogger(MacEnergyModel.class.getName());

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "Data set: a name (fashion-mnist, cifar10, "
            + "cifar100, or any data set a model bundle was trained on) or a data set configuration file (.json) as "
            + "models/train.py takes (default: ${DEFAULT-VALUE}).")
    String datasetName;

    @Option(names = "--data", description = "Folder holding the test split (test.zip or test/ of <class>/<image> files, "
            + "or IDX files). Default: $HYBRIDFOG_DATA/<data set>, else <home>/../shared/data/<data set>.")
    Path dataDir;

    private DatasetSpec dataset;

    @Option(names = "--models", arity = "1..*", paramLabel = "<jar>",
            description = "Model bundle jars (or folders of them). Default: every model bundle in the distribution's "
                    + "models/ folder whose model belongs to --dataset.")
    List<Path> models;

    @Option(names = "--thresholds", split = ",", arity = "1..*", paramLabel = "<t>",
            description = "Exit thresholds in the policy's unit (nats for entropy). Default: --steps evenly spaced over "
                    + "the policy's range (entropy: 0 to ln(classes)); the model's calibrated threshold is always added.")
    List<Double> thresholds;

    @Option(names = "--steps", defaultValue = "41", description = "Thresholds of the default sweep (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--policy", converter = PolicyConverter.class, description = "Exit policy: entropy, "
            + "normalized-entropy, max-softmax, margin, edge-only, cloud-only. Default: each model's own (its metadata).")
    ExitPolicy policy;

    @Option(names = "--samples", defaultValue = "0", description = "Test samples to use (0 = all).")
    int samples;

    @Option(names = "--batch", defaultValue = "256", description = "Samples per partition run (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0 = all cores).")
    int threads;

    @Option(names = "--energy-config", paramLabel = "<cfg>", description = "pJ per MAC as in io.hybridfog.energy.cfg "
            + "(pj.per.mac.fp32, pj.per.mac.bits.<k>). Default: the defaults of docs/energy.md.")
    Path energyConfig;

    @Option(names = "--out", description = "Output folder. Default: <home>/.hybridfog/dse.")
    Path outDir;

    @Option(names = "--home", description = "HybridFog checkout (test data). Default: $HYBRIDFOG_HOME or the current folder.")
    Path home;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        Path homeDir = home != null ? home : Path.of(System.getenv().getOrDefault("HYBRIDFOG_HOME", ".")).toAbsolutePath();
        Path outFolder = outDir != null ? outDir : homeDir.resolve(".hybridfog/dse");
        ExitPolicy forced = policy;
        if (steps < 2 || batch < 1 || threads < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--steps must be >= 2, --batch >= 1, --threads >= 0");
        }
        // the pJ-per-MAC table goes into the report's notes; its INFO log line would only interrupt the progress output
        ENERGY_LOG.setLevel(java.util.logging.Level.WARNING);
        EnergyModel energy;
        try {
            energy = new MacEnergyModel(energyProperties());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--energy-config " + energyConfig + ": " + e.getMessage());
        }
        try {
            dataset = DatasetSpec.resolve(datasetName, homeDir);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dataset " + datasetName + ": " + e.getMessage());
        }
        List<ModelBundleJars.Installed> bundles = modelJars(homeDir);
        List<Path> jars = bundles.stream().map(ModelBundleJars.Installed::jar).toList();
        int intraOp = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();

        long t0 = System.nanoTime();
        // the class list of the first variant indexes the labels; every variant must have the same
        List<String> labels = bundles.get(0).labels();
        TestSet testSet = dataset.loadTestSet(dataDir, homeDir, labels, samples > 0 ? samples : Integer.MAX_VALUE);
        out.printf(Locale.ROOT, "HybridFog DSE: %,d %s samples (loaded in %.1f s), %d model bundle(s), batch %d, %d ONNX thread(s)%n",
                testSet.size(), testSet.name(), (System.nanoTime() - t0) / 1e9, jars.size(), batch, intraOp);

        OrtEnvironment env = OnnxPartitions.sharedEnvironment();
        VariantRunner runner = new VariantRunner(batch, out);
        List<DseReport.VariantResult> results = new ArrayList<>();
        boolean agrees = true;
        for (int i = 0; i < jars.size(); i++) {
            Path jar = jars.get(i);
            try (OrtSession.SessionOptions options = OnnxPartitions.sessionOptions(intraOp);
                 ModelBundle bundle = ModelBundleLoader.loadJar(jar, env, options)) {
                OnnxEdgePartition edge = bundle.edge().orElseThrow(() -> new IllegalArgumentException(jar + " has no edge partition"));
                OnnxCloudPartition cloud = bundle.cloud().orElseThrow(() -> new IllegalArgumentException(jar + " has no cloud partition"));
                ModelDescriptor d = edge.descriptor();
                String edgeEntry = bundle.headers().partitions().get(PartitionKind.EDGE);
                Variant v = variant(jar, d, ModelBundleJars.metadataDocument(jar, edgeEntry, env), forced);
                out.printf("[%d/%d] %s (%s)%n", i + 1, jars.size(), v.label(), jar.getFileName());
                if (!dataset.belongs(bundles.get(i))) {
                    out.printf("    warning: model %s does not belong to --dataset %s (%s)%n", d.name(), dataset,
                            bundles.get(i).dataset() != null ? "its metadata says " + bundles.get(i).dataset()
                                    : "its name does not start with " + dataset + "-");
                }
                if (!d.labels().equals(labels)) {
                    throw new IllegalArgumentException(d.id() + " has other labels than " + bundles.get(0) + ": " + d.labels()
                            + " vs " + labels + "; the variants of a data set share its classes");
                }

                VariantOutputs outputs = runner.run(edge, cloud, testSet);
                long s0 = System.nanoTime();
                ExitPolicy p = forced != null ? forced : findPolicy(d.exitPolicy().policy());
                double[] ts = thresholds != null
                        ? ThresholdSweep.withCalibrated(thresholds.stream().mapToDouble(Double::doubleValue).toArray(), v.calibratedThreshold())
                        : ThresholdSweep.defaultThresholds(p.name(), d.numClasses(), v.calibratedThreshold(), steps);
                VariantCosts costs = VariantCosts.of(d, energy);
                List<SweepPoint> points = ThresholdSweep.run(outputs, p, ts, v.calibratedThreshold(), costs);
                out.printf(Locale.ROOT, "    sweep    %d thresholds (%s, %s) in %.2f s%n", ts.length, p.name(), p.unit(), (System.nanoTime() - s0) / 1e9);
                agrees &= crossCheck(points, ModelBundleJars.metrics(jar, edgeEntry), !Double.isNaN(v.calibratedThreshold()));
                results.add(new DseReport.VariantResult(v, costs, points));
            }
        }

        DseReport report = new DseReport(testSet.name() + ", " + String.format(Locale.ROOT, "%,d", testSet.size()) + " samples",
                notes(energy, forced), results);
        report.write(outFolder);
        out.println();
        out.println("Pareto-optimal points (all variants) and calibrated points, by energy per sample:");
        out.println();
        out.print(report.markdownTable());
        out.println();
        out.println("  written: " + outFolder.resolve("dse.csv") + " (" + report.all().size() + " points), "
                + outFolder.resolve("dse.md") + ", " + outFolder.resolve("pareto.html"));
        return agrees ? 0 : 1;
    }

    private List<String> notes(EnergyModel energy, ExitPolicy forced) {
        List<String> notes = new ArrayList<>();
        // originalArgs() are the whole command line, subcommand name included
        notes.add("Command: `hybridfog " + String.join(" ", spec.commandLine().getParseResult().originalArgs()) + "`");
        notes.add("Exit policy: " + (forced == null ? "each model's own (metadata)" : forced.name()) + "; thresholds: "
                + (thresholds == null ? steps + " evenly spaced over the policy's range" : thresholds.size() + " given")
                + ", plus the model's calibrated one.");
        notes.add("Energy: computational, per sample, from each model's MAC counts (edge for every sample, cloud for "
                + "offloaded ones); pJ per MAC " + ((MacEnergyModel) energy).table().asMap()
                + " (docs/energy.md); reference: the same network in full precision.");
        notes.add("Offload bytes: the HFT features the gateway sends (bit-packed when the features are binary).");
        return notes;
    }

    /** Compares the calibrated point with the PyTorch test evaluation the bundle ships (models/metrics.json). */
    private boolean crossCheck(List<SweepPoint> points, Optional<JsonNode> metrics, boolean ownPolicy) {
        Optional<SweepPoint> calibrated = points.stream().filter(SweepPoint::calibrated).findFirst();
        JsonNode test = metrics.map(m -> m.path("test")).orElse(null);
        if (!ownPolicy || calibrated.isEmpty() || test == null || !test.has("hybrid_accuracy")) {
            return true;
        }
        SweepPoint c = calibrated.get();
        if (test.path("samples").asInt() != c.samples()) {
            out.printf("    (metrics.json covers %d test samples, this run %d: not compared)%n", test.path("samples").asInt(), c.samples());
            return true;
        }
        double dAcc = 100 * (c.accuracy() - test.path("hybrid_accuracy").asDouble());
        double dExit = 100 * (c.edgeExitRate() - test.path("edge_exit_rate").asDouble());
        boolean ok = Math.abs(dAcc) <= 0.1 && Math.abs(dExit) <= 0.1; // the rule of `hybridfog demo`
        out.printf(Locale.ROOT, "    calibrated threshold %.4f: accuracy %.2f %%, exited at the edge %.2f %%; metrics.json (PyTorch) "
                        + "%.2f %% / %.2f %%; difference %+.2f / %+.2f points -> %s%n",
                c.threshold(), 100 * c.accuracy(), 100 * c.edgeExitRate(), 100 * test.path("hybrid_accuracy").asDouble(),
                100 * test.path("edge_exit_rate").asDouble(), dAcc, dExit, ok ? "agrees" : "DISAGREES (more than 0.1 points)");
        return ok;
    }

    private Variant variant(Path jar, ModelDescriptor d, JsonNode metadata, ExitPolicy forced) {
        JsonNode cut = metadata.path("cut");
        JsonNode bits = metadata.path("edge_bits");
        boolean bitsInMetadata = bits.isInt();
        String policyName = forced != null ? forced.name() : d.exitPolicy().policy();
        ExitPolicy p = findPolicy(policyName);
        double calibrated = policyName.equals(d.exitPolicy().policy()) ? d.exitPolicy().threshold() : Double.NaN;
        return new Variant(d.name(), d.version(), jar.getFileName().toString(),
                cut.isValueNode() && !cut.isNull() ? cut.asText() : "",
                bitsInMetadata ? bits.asInt() : Variant.edgeBitsFromMacs(d.macs()), bitsInMetadata ? "metadata" : "macs",
                p.name(), p.unit(), calibrated);
    }

    static ExitPolicy findPolicy(String name) {
        return POLICIES.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown exit policy '" + name + "' (known: " + POLICIES.stream().map(ExitPolicy::name).collect(Collectors.joining(", ")) + ")"));
    }

    /** picocli converter for {@code --policy}. */
    static final class PolicyConverter implements CommandLine.ITypeConverter<ExitPolicy> {
        @Override
        public ExitPolicy convert(String value) {
            try {
                return findPolicy(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * The model bundles to explore: {@code --models} (jars, or folders of them whose models belong to the data set),
     * else those of the data set in the distribution's models/ folder.
     *
     * @throws CommandLine.ParameterException (a usage error, printed without a stack trace) if there is no model bundle
     */
    private List<ModelBundleJars.Installed> modelJars(Path homeDir) throws Exception {
        List<ModelBundleJars.Installed> found = new ArrayList<>();
        if (models == null) {
            Path folder = RuntimeStack.distributionDir().resolve("models");
            found.addAll(ModelBundleJars.installed(folder).stream().filter(dataset::belongs).toList());
            if (found.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "no model bundle of data set " + dataset + " in "
                        + folder + " (configured data sets: " + DatasetSpec.configured(homeDir) + "); give --models, or "
                        + dataset.howToProduce(null));
            }
            return found;
        }
        for (Path m : models) {
            if (Files.isDirectory(m)) {
                found.addAll(ModelBundleJars.installed(m).stream().filter(dataset::belongs).toList());
            } else if (!Files.isRegularFile(m)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "no such model bundle: " + m);
            } else {
                found.add(ModelBundleJars.bundle(m).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                        m + " is not a model bundle (no HybridFog-Model header)")));
            }
        }
        if (found.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no model bundle of " + dataset + " in " + models);
        }
        return found;
    }

    private Map<String, Object> energyProperties() throws IOException {
        Map<String, Object> m = new HashMap<>();
        if (energyConfig != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(energyConfig)) {
                p.load(r);
            }
            p.forEach((k, v) -> m.put(k.toString(), v.toString().trim()));
        }
        return m;
    }
}
