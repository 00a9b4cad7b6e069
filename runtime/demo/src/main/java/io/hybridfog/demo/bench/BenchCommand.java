package io.hybridfog.demo.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.codec.SampleDecoder;
import io.hybridfog.codec.Softmax;
import io.hybridfog.demo.data.Cifar10TestSet;
import io.hybridfog.demo.data.FashionMnistTestSet;
import io.hybridfog.demo.data.TestSet;
import io.hybridfog.demo.replay.CliChecks;
import io.hybridfog.demo.replay.DemoCommand;
import io.hybridfog.demo.runtime.DeviceFleet;
import io.hybridfog.demo.runtime.MosquittoProcess;
import io.hybridfog.demo.runtime.RunSummary;
import io.hybridfog.demo.runtime.RuntimeStack;
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
import java.util.List;
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
public final class BenchCommand implements Callable<Integer> {

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

    @Option(names = "--broker", description = "MQTT broker for the gateway runs: a URL (tcp://host:port), or 'embedded' "
            + "for HiveMQ CE inside this JVM. Default: a Mosquitto process on a free loopback port when mosquitto is "
            + "installed, else embedded.")
    String broker;

    @Option(names = "--latency-samples", defaultValue = "1000", description = "Samples of the unloaded latency run "
            + "(1 device, 1 sample in flight, calibrated policy); 0 skips it (default: ${DEFAULT-VALUE}).")
    int latencySamples;

    @Option(names = "--stall-timeout", defaultValue = "60", description = "Seconds without any sample sent or answered "
            + "after which a gateway run stops with an error naming the unanswered samples (default: ${DEFAULT-VALUE}).")
    int stallTimeoutS;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", converter = DemoCommand.DatasetConverter.class,
            description = "Test set: fashion-mnist or cifar10 (default: ${DEFAULT-VALUE}).")
    DemoCommand.Dataset dataset;

    @Option(names = "--model", description = "Model name (HybridFog-Model of a model bundle in the distribution). Default: "
            + "fashion-mnist-hybrid for fashion-mnist, " + DemoCommand.Dataset.CIFAR10_DEFAULT_MODEL + " for cifar10.")
    String model;

    @Option(names = "--data", description = "cifar10: folder holding test.zip. Default: $HYBRIDFOG_DATA/cifar10, "
            + "else <home>/../shared/data/cifar10.")
    Path dataDir;

    @Option(names = "--max-batch", split = ",", paramLabel = "N[,N...]", description = "Dynamic batching sweep: for each "
            + "largest batch N (max.batch.size of the gateway and the cloud worker), an edge-only and a calibrated gateway "
            + "run, plus the plain loop at batch N; replaces the edge-only/calibrated/edge-only runs. E.g. 1,4,16,64. "
            + "Default: no sweep, the configuration's batching (config/demo, else max.batch.size 16).")
    List<Integer> maxBatches;

    @Option(names = "--max-batch-wait", defaultValue = "0", description = "max.batch.wait.ms of the gateway and the cloud "
            + "worker in the --max-batch runs (default: ${DEFAULT-VALUE}: take what is queued).")
    int maxBatchWaitMs;

    /** Seconds a gateway run may take to answer its last samples once all are sent. */
    private static final long DRAIN_TIMEOUT_MS = 120_000;

    /** The model benchmarked: --model, else the data set's default. */
    private String modelName;

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
        if (latencySamples < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--latency-samples must be 0 or more");
        }
        CliChecks.notNegative(spec, "--max-batch-wait", maxBatchWaitMs);
        if (maxBatches != null) {
            for (int b : maxBatches) {
                if (b < 1 || b > 1024) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-batch values must be 1 to 1024, got " + b);
                }
            }
        }
        CliChecks.folder(spec, "--home", homeDir.resolve("config/demo"), "is not a HybridFog checkout (no config/demo/ folder)");
        modelName = model != null ? model : dataset.defaultModel;
        Path work = Files.createDirectories(workDir != null ? workDir : homeDir.resolve(".hybridfog/bench"));
        out = spec.commandLine().getOut();
        TestSet testSet = dataset == DemoCommand.Dataset.cifar10
                ? Cifar10TestSet.fromFolder(Cifar10TestSet.locate(dataDir, homeDir), samples)
                : FashionMnistTestSet.load(homeDir, samples);
        int n = testSet.size();
        out.printf("HybridFog benchmark: %d %s images, model %s, %d cores%n", n, testSet.name(), modelName,
                Runtime.getRuntime().availableProcessors());

        double[] plain = plainLoop(testSet, maxBatches == null ? List.of() : maxBatches);
        out.printf("  plain ONNX Runtime loop, 1 thread: decode+normalize+edge+entropy %.0f samples/s (%.3f ms of CPU per "
                + "sample); edge partition only %.0f samples/s%n", plain[0], plain[2], plain[1]);

        MosquittoProcess mosquitto = null;
        String url = broker;
        if (url == null) {
            Path exe = MosquittoProcess.executable();
            if (exe != null) {
                mosquitto = MosquittoProcess.start(exe, work.resolve("mosquitto"));
                url = mosquitto.url();
                out.printf("  broker: Mosquitto (%s), a separate process on %s%n", exe, url);
            } else {
                out.println("  broker: embedded HiveMQ CE (mosquitto is not installed; its CPU counts as 'other')");
            }
        } else if (url.equals("embedded")) {
            url = null;
            out.println("  broker: embedded HiveMQ CE in this JVM (its CPU counts as 'other')");
        } else {
            out.printf("  broker: %s%n", url);
        }
        long brokerPid = mosquitto == null ? -1 : mosquitto.pid();
        if (maxBatches != null) {
            try {
                return batchSweep(homeDir, work, url, brokerPid, testSet, plain);
            } finally {
                if (mosquitto != null) {
                    mosquitto.close();
                }
            }
        }
        GatewayRun edgeOnlyFirst;
        GatewayRun hybrid;
        GatewayRun edgeOnly;
        GatewayRun unloaded = null;
        try {
            // edge-only, calibrated, edge-only: the first run in a JVM pays for class loading and JIT compilation
            edgeOnlyFirst = gateway(homeDir, work, url, brokerPid, testSet, "edge-only", devices, window, testSet.size(), 0);
            hybrid = gateway(homeDir, work, url, brokerPid, testSet, null, devices, window, testSet.size(), 0);
            edgeOnly = gateway(homeDir, work, url, brokerPid, testSet, "edge-only", devices, window, testSet.size(), 0);
            if (latencySamples > 0) {
                unloaded = gateway(homeDir, work, url, brokerPid, testSet, null, 1, 1, Math.min(latencySamples, testSet.size()), 0);
            }
        } finally {
            if (mosquitto != null) {
                mosquitto.close();
            }
        }
        out.printf("  (edge-only runs: %.0f then %.0f samples/s; the tables show the second)%n", edgeOnlyFirst.rate(), edgeOnly.rate());

        out.println();
        out.println("| measurement | samples/s | ratio to plain loop (decode+edge) |");
        out.println("|---|---:|---:|");
        out.printf("| plain ONNX Runtime loop, 1 thread: decode + normalize + edge partition + entropy | %.0f | 1.00 |%n", plain[0]);
        out.printf("| plain ONNX Runtime loop, 1 thread: edge partition only (pre-decoded tensors) | %.0f | %.2f |%n", plain[1], plain[1] / plain[0]);
        out.printf("| gateway over MQTT, exit policy edge-only (%d devices x %d in flight) | %.0f | %.2f |%n", devices, window, edgeOnly.rate(), edgeOnly.rate() / plain[0]);
        out.printf("| gateway over MQTT, calibrated entropy policy, offloads to the cloud worker | %.0f | %.2f |%n", hybrid.rate(), hybrid.rate() / plain[0]);

        out.println();
        out.println("CPU per sample, ms (gateway = its threads and MQTT client, plus its share of GC by allocation; JIT apart):");
        out.println();
        out.println("| run | gateway | ratio to plain loop CPU/sample | cloud | devices | other | broker | JVM GC/VM (all) | JIT (all) |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        out.printf("| plain loop (decode + edge + entropy) | %.3f | 1.00 | | | | | | |%n", plain[2]);
        for (GatewayRun r : unloaded == null ? java.util.List.of(edgeOnly, hybrid) : java.util.List.of(edgeOnly, hybrid, unloaded)) {
            out.printf("| %s | %.3f | %.2f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |%n", r.label(), r.perSample("gateway"),
                    r.perSample("gateway") / plain[2], r.perSample("cloud"), r.perSample("devices"), r.perSample("other"),
                    r.perSample("broker"), r.perSample("jvm"), r.perSample("jit"));
        }
        out.println();
        out.println("Gateway CPU per sample by stage, ms (stages measured inside the gateway; MQTT client = Paho's reader, "
                + "writer and the bus's threads; rest = Paho's delivery thread outside the gateway's handlers, hand-offs):");
        out.println();
        out.println("| run | decode | edge | encode | journal | MQTT calls | MQTT client | GC share | rest | total |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (GatewayRun r : unloaded == null ? java.util.List.of(edgeOnly, hybrid) : java.util.List.of(edgeOnly, hybrid, unloaded)) {
            double decode = r.stage("DECODE");
            double edge = r.stage("EDGE");
            double encode = r.stage("ENCODE");
            double journal = r.stage("JOURNAL");
            double calls = r.stage("MQTT");
            double client = r.perSample("gateway-mqtt-client");
            double gc = r.perSample("gateway-jvm-share");
            double total = r.perSample("gateway");
            out.printf("| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |%n", r.label(), decode, edge,
                    encode, journal, calls, client, gc, total - decode - edge - encode - journal - calls - client - gc, total);
        }
        if (unloaded != null) {
            out.println();
            out.printf("Unloaded latency (1 device, 1 sample in flight, calibrated policy, %d samples): edge exit p50 %.1f ms, "
                    + "p99 %.1f ms; offloaded p50 %.1f ms, p99 %.1f ms%n", unloaded.samples(), unloaded.summary().edgeLatencyP50P99()[0],
                    unloaded.summary().edgeLatencyP50P99()[1], unloaded.summary().cloudLatencyP50P99()[0],
                    unloaded.summary().cloudLatencyP50P99()[1]);
        }
        out.printf("Loaded latency (calibrated, %d devices x %d in flight): edge exit p50 %.1f ms, p99 %.1f ms; offloaded p50 "
                + "%.1f ms, p99 %.1f ms (offloaded p50 / edge exit p50 = %.1f)%n", devices, window,
                hybrid.summary().edgeLatencyP50P99()[0], hybrid.summary().edgeLatencyP50P99()[1],
                hybrid.summary().cloudLatencyP50P99()[0], hybrid.summary().cloudLatencyP50P99()[1],
                hybrid.summary().cloudLatencyP50P99()[0] / hybrid.summary().edgeLatencyP50P99()[0]);
        return 0;
    }

    /** One gateway run: throughput, outcomes, CPU seconds by group and the gateway's stage CPU, nanoseconds. */
    private record GatewayRun(String label, int samples, double rate, RunSummary summary, Map<String, Double> cpuS,
                              Map<String, Long> stageNanos, double edgeBatchMean, double cloudBatchMean) {
        double perSample(String group) {
            return cpuS.getOrDefault(group, 0.0) * 1000 / samples;
        }

        double stage(String stage) {
            return stageNanos.getOrDefault(stage, 0L) / 1e6 / samples;
        }
    }

    /**
     * @return {decode+edge+entropy samples/s, edge-only samples/s, decode+edge+entropy ms of CPU per sample, then the
     *         edge partition only at each of {@code batches} (pre-decoded tensors stacked N at a time), samples/s}
     */
    private double[] plainLoop(TestSet testSet, List<Integer> batches) throws Exception {
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
            long cpu0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            int exits = 0;
            for (int i = 0; i < testSet.size(); i++) {
                float[] logits = runEdge(env, session, descriptor, decoder.decode(testSet.payload(i)));
                exits += Softmax.entropyNats(logits) < threshold ? 1 : 0;
            }
            double full = testSet.size() / ((System.nanoTime() - t0) / 1e9);
            double cpuMs = (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0)
                    / 1e6 / testSet.size();
            t0 = System.nanoTime();
            for (Tensor t : decoded) {
                runEdge(env, session, descriptor, t);
            }
            double edgeOnly = testSet.size() / ((System.nanoTime() - t0) / 1e9);
            out.printf("  (plain loop: %d of %d would exit at the edge)%n", exits, testSet.size());
            // the edge partition alone at each batch size, in interleaved rounds (a burst of other load spreads over
            // all sizes): wall-clock samples/s and the thread's CPU time per sample
            double[] result = java.util.Arrays.copyOf(new double[] {full, edgeOnly, cpuMs}, 3 + 2 * batches.size());
            Tensor[][] stacked = new Tensor[batches.size()][];
            for (int b = 0; b < batches.size(); b++) {
                stacked[b] = stack(decoded, batches.get(b));
                for (int w = 0; w < Math.max(1, 300 / batches.get(b)); w++) {
                    runEdge(env, session, descriptor, stacked[b][w % stacked[b].length]);
                }
            }
            int rounds = 3;
            long[] wall = new long[batches.size()];
            long[] cpu = new long[batches.size()];
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            for (int round = 0; round < rounds; round++) {
                for (int b = 0; b < batches.size(); b++) {
                    long w0 = System.nanoTime();
                    long c0 = threads.getCurrentThreadCpuTime();
                    for (Tensor t : stacked[b]) {
                        runEdge(env, session, descriptor, t);
                    }
                    cpu[b] += threads.getCurrentThreadCpuTime() - c0;
                    wall[b] += System.nanoTime() - w0;
                }
            }
            for (int b = 0; b < batches.size(); b++) {
                result[3 + b] = (double) rounds * testSet.size() / (wall[b] / 1e9);
                result[3 + batches.size() + b] = cpu[b] / 1e6 / rounds / testSet.size();
            }
            return result;
        }
    }

    /** The tensors [1, ...] stacked {@code size} at a time ([size, ...]; the last may be smaller). */
    private static Tensor[] stack(Tensor[] rows, int size) {
        Tensor[] out = new Tensor[(rows.length + size - 1) / size];
        for (int i = 0; i < out.length; i++) {
            int n = Math.min(size, rows.length - i * size);
            int row = rows[0].size();
            float[] data = new float[n * row];
            for (int k = 0; k < n; k++) {
                System.arraycopy(rows[i * size + k].data(), 0, data, k * row, row);
            }
            long[] shape = rows[0].shape().clone();
            shape[0] = n;
            out[i] = new Tensor(shape, data);
        }
        return out;
    }

    private static float[] runEdge(OrtEnvironment env, OrtSession session, ModelDescriptor d, Tensor input) throws Exception {
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.data()), input.shape());
             OrtSession.Result r = session.run(Map.of(d.input().name(), x))) {
            return ((float[][]) r.get(d.exitOutput()).orElseThrow().getValue())[0];
        }
    }

    /** @param maxBatch max.batch.size of the gateway and the cloud worker, 0 to keep the configuration's */
    private GatewayRun gateway(Path homeDir, Path work, String brokerUrl, long brokerPid, TestSet testSet, String policy,
                               int deviceCount, int inFlight, int count, int maxBatch) throws Exception {
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
        if (maxBatch > 0) {
            String batching = "\nmax.batch.size=" + maxBatch + "\nmax.batch.wait.ms=" + maxBatchWaitMs + "\n";
            for (String pid : List.of("io.hybridfog.edge.cfg", "io.hybridfog.cloud.cfg")) {
                Files.writeString(config.resolve(pid), batching, java.nio.file.StandardOpenOption.APPEND);
            }
        }
        String name = policy == null ? "calibrated" : policy;
        String label = (policy == null ? "calibrated" : policy) + ", " + deviceCount + " x " + inFlight
                + (maxBatch > 0 ? ", max batch " + maxBatch : "");
        out.printf("  gateway run, exit policy %s, %d devices x %d in flight%s ...%n",
                policy == null ? "calibrated (model metadata)" : policy, deviceCount, inFlight,
                maxBatch > 0 ? ", max.batch.size " + maxBatch + ", max.batch.wait.ms " + maxBatchWaitMs : "");
        // a fresh broker session, Felix cache and gateway journal: nothing left by an earlier run (answered or not) replays
        Path runDir = work.resolve("run-" + name);
        deleteRecursively(runDir);
        long stallMs = stallTimeoutS * 1000L;
        try (RuntimeStack stack = RuntimeStack.start(brokerUrl, config, runDir, modelName, testSet, deviceCount, inFlight)) {
            // each run starts a fresh Felix: its classes are JIT-compiled again; the warm-up lets most of that finish
            int warm = Math.min(2000, count);
            long t0;
            CpuAccount cpu0;
            Object metrics = stack.gatewayMetrics();
            Object cloudMetrics = stack.service(CLOUD_METRICS);
            try {
                stack.fleet.replay(warm, stallMs);
                stack.fleet.awaitAll(warm, DRAIN_TIMEOUT_MS, stallMs);
                stack.fleet.reset();
                call(metrics, "reset");
                call(cloudMetrics, "reset");
                cpu0 = CpuAccount.now(brokerPid);
                t0 = System.nanoTime();
                stack.fleet.replay(count, stallMs);
                stack.fleet.awaitAll(count, DRAIN_TIMEOUT_MS, stallMs);
            } catch (DeviceFleet.StalledException e) {
                throw new IOException("gateway run (exit policy " + name + ") stopped: " + e.getMessage() + "; see "
                        + System.getProperty("hybridfog.log.dir", ".hybridfog/logs") + "/hybridfog.log", e);
            }
            double wallS = (System.nanoTime() - t0) / 1e9;
            Map<String, Double> cpu = CpuAccount.now(brokerPid).since(cpu0);
            Map<String, Long> stages = new java.util.TreeMap<>();
            if (call(metrics, "stageCpuNanos") instanceof Map<?, ?> m) {
                m.forEach((k, v) -> stages.put(String.valueOf(k), ((Number) v).longValue()));
            }
            double rate = count / wallS;
            double edgeBatch = meanSize(call(metrics, "edgeBatches"));
            double cloudBatch = meanSize(call(cloudMetrics, "batches"));
            RunSummary s = RunSummary.of(stack.fleet.sent(), stack.fleet.outcomes(), stack.fleet.duplicates(), wallS);
            out.printf("  -> %d of %d answered, %.0f samples/s, %.1f %% exited at the edge, %d errors, %d duplicates; "
                            + "gateway CPU %.3f ms per sample; mean batch: edge %.2f, cloud %.2f%n", stack.fleet.answered(),
                    count, rate, 100 * s.edgeExitRate(), s.errors(), s.duplicates(), cpu.get("gateway") * 1000 / count,
                    edgeBatch, cloudBatch);
            return new GatewayRun(label, count, rate, s, cpu, stages, edgeBatch, cloudBatch);
        }
    }

    static final String CLOUD_METRICS = "io.hybridfog.cloud.CloudWorkerMetrics";

    /**
     * Calls a public no-argument method of a metrics service object (GatewayMetrics, CloudWorkerMetrics) from another
     * class loader; null if there is none.
     */
    private static Object call(Object target, String method) {
        if (target == null) {
            return null;
        }
        try {
            for (Class<?> type : target.getClass().getInterfaces()) {
                if (type.getName().equals("io.hybridfog.edge.GatewayMetrics") || type.getName().equals(CLOUD_METRICS)) {
                    return type.getMethod(method).invoke(target);
                }
            }
            return null;
        } catch (ReflectiveOperationException e) {
            return null; // an older gateway without this method: the breakdown shows zeros
        }
    }

    /** meanSize() of a GatewayMetrics.Batches / CloudWorkerMetrics.Batches from another class loader; NaN without. */
    private static double meanSize(Object batches) {
        if (batches == null) {
            return Double.NaN;
        }
        try {
            return ((Number) batches.getClass().getMethod("meanSize").invoke(batches)).doubleValue();
        } catch (ReflectiveOperationException e) {
            return Double.NaN;
        }
    }

    /**
     * The dynamic batching sweep ({@code --max-batch}): a first edge-only run that absorbs class loading (discarded),
     * then per largest batch an edge-only and a calibrated run, loaded ({@code --devices} x {@code --window}); then
     * the unloaded latency run at the largest batch of the list.
     */
    private int batchSweep(Path homeDir, Path work, String url, long brokerPid, TestSet testSet, double[] plain)
            throws Exception {
        GatewayRun first = gateway(homeDir, work, url, brokerPid, testSet, "edge-only", devices, window, testSet.size(),
                maxBatches.get(0));
        List<GatewayRun[]> runs = new java.util.ArrayList<>();
        for (int b : maxBatches) {
            runs.add(new GatewayRun[] {
                    gateway(homeDir, work, url, brokerPid, testSet, "edge-only", devices, window, testSet.size(), b),
                    gateway(homeDir, work, url, brokerPid, testSet, null, devices, window, testSet.size(), b)});
        }
        int largest = maxBatches.stream().mapToInt(Integer::intValue).max().orElseThrow();
        GatewayRun unloaded = latencySamples == 0 ? null : gateway(homeDir, work, url, brokerPid, testSet, null, 1, 1,
                Math.min(latencySamples, testSet.size()), largest);
        out.printf("  (first edge-only run, discarded: %.0f samples/s)%n", first.rate());
        out.println();
        out.printf("Dynamic batching, %s, %d devices x %d in flight, max.batch.wait.ms %d (ratios against the plain loop "
                + "decode+edge+entropy at batch 1, %.0f samples/s):%n", modelName, devices, window, maxBatchWaitMs, plain[0]);
        out.println();
        out.println("| max batch | plain loop, edge partition only, samples/s (CPU ms/sample) | gateway edge-only samples/s (ratio) | mean edge "
                + "batch | gateway calibrated samples/s (ratio) | mean edge / cloud batch | edge exit p50 / p99 ms | "
                + "offloaded p50 / p99 ms | gateway CPU ms/sample (edge-only, calibrated) | errors | lost |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < maxBatches.size(); i++) {
            GatewayRun e = runs.get(i)[0];
            GatewayRun c = runs.get(i)[1];
            double[] edgeLat = c.summary().edgeLatencyP50P99();
            double[] cloudLat = c.summary().cloudLatencyP50P99();
            out.printf("| %d | %.0f (%.3f) | %.0f (%.2f) | %.2f | %.0f (%.2f) | %.2f / %.2f | %.1f / %.1f | %.1f / %.1f | %.3f, %.3f | %d | %d |%n",
                    maxBatches.get(i), plain[3 + i], plain[3 + maxBatches.size() + i], e.rate(), e.rate() / plain[0], e.edgeBatchMean(), c.rate(),
                    c.rate() / plain[0], c.edgeBatchMean(), c.cloudBatchMean(), edgeLat[0], edgeLat[1], cloudLat[0],
                    cloudLat[1], e.perSample("gateway"), c.perSample("gateway"), e.summary().errors() + c.summary().errors(),
                    e.summary().lost() + c.summary().lost());
        }
        if (unloaded != null) {
            out.println();
            out.printf("Unloaded latency at max batch %d (1 device, 1 sample in flight, calibrated policy, %d samples, mean "
                            + "edge batch %.2f): edge exit p50 %.1f ms, p99 %.1f ms; offloaded p50 %.1f ms, p99 %.1f ms%n",
                    largest, unloaded.samples(), unloaded.edgeBatchMean(), unloaded.summary().edgeLatencyP50P99()[0],
                    unloaded.summary().edgeLatencyP50P99()[1], unloaded.summary().cloudLatencyP50P99()[0],
                    unloaded.summary().cloudLatencyP50P99()[1]);
        }
        return 0;
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

    private Path modelJar() throws Exception {
        try (Stream<Path> jars = Files.list(RuntimeStack.distributionDir().resolve("models"))) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                try (JarFile f = new JarFile(jar.toFile())) {
                    if (modelName.equals(f.getManifest().getMainAttributes().getValue(ModelBundleHeaders.MODEL))) {
                        return jar;
                    }
                }
            }
        }
        throw new IllegalStateException("no model bundle of " + modelName + " in the distribution: "
                + dataset.producedBy(modelName));
    }
}
