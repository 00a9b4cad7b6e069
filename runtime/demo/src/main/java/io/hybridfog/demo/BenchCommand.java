package io.hybridfog.demo;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.codec.SampleDecoder;
import io.hybridfog.codec.Softmax;
import io.hybridfog.onnx.ModelBundle;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.ModelBundleLoader;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.onnx.PartitionKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Gateway throughput against a plain ONNX Runtime loop over the same edge partition, in one run.
 * Baselines run first in this JVM on one thread; then the full runtime (broker, Felix, gateway, cloud
 * worker, device fleet) with the exit policy forced to edge-only (the same work as the loop, plus MQTT,
 * decoding and bookkeeping) and with the model's calibrated policy (some samples offloaded).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark: gateway throughput vs a plain ONNX Runtime loop over the same edge partition.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--samples", defaultValue = "3000", description = "Samples per measurement (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--devices", defaultValue = "8", description = "Simulated devices for the gateway runs (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--window", defaultValue = "16", description = "Samples in flight per device (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--home", description = "HybridFog checkout. Default: $HYBRIDFOG_HOME or the current folder.")
    Path home;

    @Option(names = "--work", description = "Folder for the gateway runs' broker, Felix and journal state, emptied "
            + "before each run. Default: <home>/.hybridfog/bench.")
    Path workDir;

    @Option(names = "--stall-timeout", defaultValue = "60", description = "Seconds without any sample sent or answered "
            + "after which a gateway run stops with an error naming the unanswered samples (default: ${DEFAULT-VALUE}).")
    int stallTimeoutS;

    /** Seconds a gateway run may take to answer its last samples once all are sent. */
    private static final long DRAIN_TIMEOUT_MS = 120_000;

    private static final String MODEL = "fashion-mnist-hybrid";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The command line's standard output (tests read it). */
    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        Path homeDir = home != null ? home : Path.of(System.getenv().getOrDefault("HYBRIDFOG_HOME", ".")).toAbsolutePath();
        CliChecks.positive(spec, "--samples", samples);
        CliChecks.positive(spec, "--devices", devices);
        CliChecks.positive(spec, "--window", window);
        CliChecks.positive(spec, "--stall-timeout", stallTimeoutS);
        CliChecks.folder(spec, "--home", homeDir.resolve("config/demo"), "is not a HybridFog checkout (no config/demo/ folder)");
        Path work = Files.createDirectories(workDir != null ? workDir : homeDir.resolve(".hybridfog/bench"));
        out = spec.commandLine().getOut();
        TestSet testSet = FashionMnistTestSet.load(homeDir, samples);
        int n = testSet.size();
        out.printf("HybridFog benchmark: %d Fashion-MNIST test images (PNG), model %s, %d cores%n", n, MODEL,
                Runtime.getRuntime().availableProcessors());

        double[] plain = plainLoop(testSet);
        out.printf("  plain ONNX Runtime loop, 1 thread: decode+normalize+edge+entropy %.0f samples/s; edge partition only %.0f samples/s%n",
                plain[0], plain[1]);

        // edge-only, calibrated, edge-only: the first run in a JVM pays for class loading and JIT compilation
        double edgeOnlyFirst = gateway(homeDir, work, testSet, "edge-only");
        double hybrid = gateway(homeDir, work, testSet, null);
        double edgeOnly = gateway(homeDir, work, testSet, "edge-only");
        out.printf("  (edge-only runs: %.0f then %.0f samples/s; the table shows the second)%n", edgeOnlyFirst, edgeOnly);

        out.println();
        out.println("| measurement | samples/s | ratio to plain loop (decode+edge) |");
        out.println("|---|---:|---:|");
        out.printf("| plain ONNX Runtime loop, 1 thread: decode + normalize + edge partition + entropy | %.0f | 1.00 |%n", plain[0]);
        out.printf("| plain ONNX Runtime loop, 1 thread: edge partition only (pre-decoded tensors) | %.0f | %.2f |%n", plain[1], plain[1] / plain[0]);
        out.printf("| gateway over MQTT, exit policy edge-only (%d devices x %d in flight) | %.0f | %.2f |%n", devices, window, edgeOnly, edgeOnly / plain[0]);
        out.printf("| gateway over MQTT, calibrated entropy policy, offloads to the cloud worker | %.0f | %.2f |%n", hybrid, hybrid / plain[0]);
        return 0;
    }

    /** @return {decode+edge+entropy samples/s, edge-only samples/s} */
    private double[] plainLoop(TestSet testSet) throws Exception {
        Path modelJar = modelJar();
        OrtEnvironment env = OnnxPartitions.sharedEnvironment();
        ModelDescriptor descriptor;
        byte[] edgeOnnx;
        try (ModelBundle bundle = ModelBundleLoader.loadJar(modelJar, env, OnnxPartitions.sessionOptions(1));
             JarFile jar = new JarFile(modelJar.toFile())) {
            descriptor = bundle.edge().orElseThrow().descriptor();
            String entry = bundle.headers().partitions().get(PartitionKind.EDGE);
            edgeOnnx = jar.getInputStream(jar.getEntry(entry)).readAllBytes();
        }
        SampleDecoder decoder = new SampleDecoder(descriptor.input(), 1 << 20);
        double threshold = descriptor.exitPolicy().threshold();
        try (OrtSession.SessionOptions options = OnnxPartitions.sessionOptions(1);
             OrtSession session = env.createSession(edgeOnnx, options)) {
            Tensor[] decoded = new Tensor[testSet.size()];
            for (int i = 0; i < decoded.length; i++) {
                decoded[i] = decoder.decode(testSet.payload(i));
            }
            int warm = Math.min(300, testSet.size());
            for (int i = 0; i < warm; i++) {
                runEdge(env, session, descriptor, decoded[i]);
            }
            long t0 = System.nanoTime();
            int exits = 0;
            for (int i = 0; i < testSet.size(); i++) {
                float[] logits = runEdge(env, session, descriptor, decoder.decode(testSet.payload(i)));
                exits += Softmax.entropyNats(logits) < threshold ? 1 : 0;
            }
            double full = testSet.size() / ((System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            for (Tensor t : decoded) {
                runEdge(env, session, descriptor, t);
            }
            double edgeOnly = testSet.size() / ((System.nanoTime() - t0) / 1e9);
            out.printf("  (plain loop: %d of %d would exit at the edge)%n", exits, testSet.size());
            return new double[] {full, edgeOnly};
        }
    }

    private static float[] runEdge(OrtEnvironment env, OrtSession session, ModelDescriptor d, Tensor input) throws Exception {
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.data()), input.shape());
             OrtSession.Result r = session.run(Map.of(d.input().name(), x))) {
            return ((float[][]) r.get(d.exitOutput()).orElseThrow().getValue())[0];
        }
    }

    private double gateway(Path homeDir, Path work, TestSet testSet, String policy) throws Exception {
        Path config = Files.createDirectories(work.resolve("config-" + (policy == null ? "calibrated" : policy)));
        try (Stream<Path> files = Files.list(homeDir.resolve("config/demo"))) {
            for (Path f : files.toList()) {
                Files.copy(f, config.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (policy != null) {
            // edge-only ignores the threshold, but a policy other than the model's needs one
            Files.writeString(config.resolve("io.hybridfog.edge.cfg"), "\nexit.policy=" + policy + "\nexit.threshold=0\n",
                    java.nio.file.StandardOpenOption.APPEND);
        }
        String name = policy == null ? "calibrated" : policy;
        out.printf("  gateway run, exit policy %s ...%n", policy == null ? "calibrated (model metadata)" : policy);
        // a fresh broker, Felix cache and gateway journal: nothing left by an earlier run (answered or not) replays
        Path runDir = work.resolve("run-" + name);
        deleteRecursively(runDir);
        long stallMs = stallTimeoutS * 1000L;
        try (RuntimeStack stack = RuntimeStack.start(null, config, runDir, MODEL, testSet, devices, window)) {
            int warm = Math.min(500, testSet.size());
            long t0;
            try {
                stack.fleet.replay(warm, stallMs);
                stack.fleet.awaitAll(warm, DRAIN_TIMEOUT_MS, stallMs);
                stack.fleet.reset();
                t0 = System.nanoTime();
                stack.fleet.replay(testSet.size(), stallMs);
                stack.fleet.awaitAll(testSet.size(), DRAIN_TIMEOUT_MS, stallMs);
            } catch (DeviceFleet.StalledException e) {
                throw new IOException("gateway run (exit policy " + name + ") stopped: " + e.getMessage() + "; see "
                        + System.getProperty("hybridfog.log.dir", ".hybridfog/logs") + "/hybridfog.log", e);
            }
            double wallS = (System.nanoTime() - t0) / 1e9;
            double rate = testSet.size() / wallS;
            RunSummary s = RunSummary.of(stack.fleet.sent(), stack.fleet.outcomes(), stack.fleet.duplicates(), wallS);
            out.printf("  -> %d of %d answered, %.0f samples/s, %.1f %% exited at the edge, %d errors%n",
                    stack.fleet.answered(), testSet.size(), rate, 100 * s.edgeExitRate(), s.errors());
            return rate;
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static Path modelJar() throws Exception {
        try (Stream<Path> jars = Files.list(RuntimeStack.distributionDir().resolve("models"))) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                try (JarFile f = new JarFile(jar.toFile())) {
                    if (MODEL.equals(f.getManifest().getMainAttributes().getValue(ModelBundleHeaders.MODEL))) {
                        return jar;
                    }
                }
            }
        }
        throw new IllegalStateException("no model bundle of " + MODEL + " in the distribution");
    }
}
