package io.hybridfog.demo.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.hybridfog.codec.Softmax;
import io.hybridfog.onnx.OnnxPartitions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Times edge partitions of the same model in different ONNX forms (e.g. float32 convolutions of +-1 values vs the
 * integer export's ConvInteger) with ONNX Runtime alone: per sample, at several batch sizes, in interleaved rounds so
 * that each round's ratios compare forms measured under the same machine load. Also checks that the forms answer
 * alike on the same inputs (largest output difference, exit predictions and decisions).
 */
@Command(name = "bench-partitions", mixinStandardHelpOptions = true,
        description = {"Times edge partitions (ONNX Runtime only, no runtime around them) in several forms, per sample "
                + "at several batch sizes, in interleaved rounds; prints median times and each form's speed-up over "
                + "the first one, measured in the same rounds.",
                "Example: bench-partitions --edge float=models/cifar10/s2b3-b1/edge.onnx "
                        + "--edge integer=/tmp/s2b3-b1-int/edge.onnx"})
public final class PartitionBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--edge", required = true, arity = "1..*", paramLabel = "<name>=<edge.onnx>",
            description = "Edge partitions to time, the first one the baseline of the ratios (at least two).")
    List<String> edges;

    @Option(names = "--batches", split = ",", defaultValue = "1,4,16,64",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--rounds", defaultValue = "5", description = "Interleaved rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--millis", defaultValue = "1000",
            description = "Time per form, batch size and round, after a warm-up of the same length (default: ${DEFAULT-VALUE}).")
    int millis;

    @Option(names = "--threads", defaultValue = "1",
            description = "ONNX Runtime intra-op threads (default: ${DEFAULT-VALUE}, as the gateway).")
    int threads;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the N(0,1) inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    private final PrintStream out = System.out;

    private record Form(String name, Path file, OrtSession session, String input, long[] shape) {
    }

    @Override
    public Integer call() throws Exception {
        if (edges.size() < 2 || rounds < 1 || millis < 1 || threads < 1 || batches.stream().anyMatch(b -> b < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "at least two --edge forms, --rounds, --millis, --threads and --batches >= 1");
        }
        OrtEnvironment env = OnnxPartitions.sharedEnvironment();
        List<Form> forms = new ArrayList<>();
        try (OrtSession.SessionOptions options = OnnxPartitions.sessionOptions(threads)) {
            for (String e : edges) {
                int eq = e.indexOf('=');
                if (eq < 1) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--edge " + e + ": <name>=<edge.onnx>");
                }
                Path file = Path.of(e.substring(eq + 1));
                OrtSession session = env.createSession(file.toString(), options);
                Map.Entry<String, NodeInfo> in = session.getInputInfo().entrySet().iterator().next();
                long[] shape = ((TensorInfo) in.getValue().getInfo()).getShape();
                forms.add(new Form(e.substring(0, eq), file, session, in.getKey(), shape));
            }
            try {
                return run(env, forms);
            } finally {
                for (Form f : forms) {
                    f.session().close();
                }
            }
        }
    }

    private int run(OrtEnvironment env, List<Form> forms) throws Exception {
        long[] sampleShape = Arrays.copyOfRange(forms.get(0).shape(), 1, forms.get(0).shape().length);
        int sampleSize = (int) Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
        int maxBatch = batches.stream().max(Integer::compare).orElseThrow();
        Random random = new Random(seed);
        float[] data = new float[maxBatch * sampleSize];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        out.printf(Locale.ROOT, "HybridFog bench-partitions: %s, ONNX Runtime %s, %d intra-op thread(s), inputs %s N(0,1) "
                        + "(seed %d), %d round(s) of %d ms per form and batch size%n", cpuModel(), env.getVersion(),
                threads, Arrays.toString(sampleShape), seed, rounds, millis);
        for (Form f : forms) {
            out.printf("  %-10s %s (%,d bytes)%n", f.name(), f.file(), Files.size(f.file()));
        }
        agreement(env, forms, data, sampleShape, Math.min(maxBatch, 64));
        // perSample[form][batch][round] in microseconds: wall time, and the CPU time of this thread (with one intra-op
        // thread ONNX Runtime runs on the caller's thread), which other processes' load inflates less
        double[][][] perSample = new double[forms.size()][batches.size()][rounds];
        double[][][] cpuPerSample = new double[forms.size()][batches.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int b = 0; b < batches.size(); b++) {
                int n = batches.get(b);
                long[] shape = shape(n, sampleShape);
                try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(data, 0, n * sampleSize), shape)) {
                    // alternate the order of the forms between rounds: neither always runs first
                    for (int k = 0; k < forms.size(); k++) {
                        int fi = r % 2 == 0 ? k : forms.size() - 1 - k;
                        Form f = forms.get(fi);
                        time(f, x, millis); // warm-up
                        double[] t = time(f, x, millis);
                        perSample[fi][b][r] = t[0] * 1e6 / n;
                        cpuPerSample[fi][b][r] = t[1] * 1e6 / n;
                    }
                }
            }
            out.printf("  round %d/%d done%n", r + 1, rounds);
        }
        out.println();
        out.println("wall time:");
        report(forms, perSample);
        if (threads == 1) {
            out.println();
            out.println("CPU time of the calling thread:");
            report(forms, cpuPerSample);
        }
        return 0;
    }

    /** @return {wall seconds per run, CPU seconds of this thread per run} */
    private static double[] time(Form f, OnnxTensor x, int millis) throws Exception {
        Map<String, OnnxTensor> inputs = Map.of(f.input(), x);
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + millis * 1_000_000L;
        int runs = 0;
        long cpu0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long now;
        do {
            try (OrtSession.Result ignored = f.session().run(inputs)) {
                runs++;
            }
            now = System.nanoTime();
        } while (now < end);
        return new double[] {(now - t0) / 1e9 / runs, (mx.getCurrentThreadCpuTime() - cpu0) / 1e9 / runs};
    }

    private void report(List<Form> forms, double[][][] perSample) {
        StringBuilder head = new StringBuilder(String.format("%-7s", "batch"));
        for (Form f : forms) {
            head.append(String.format("%16s", f.name() + " µs/sample"));
        }
        for (int i = 1; i < forms.size(); i++) {
            head.append(String.format("%22s", forms.get(0).name() + "/" + forms.get(i).name() + " (range)"));
        }
        out.println(head);
        double[] best = new double[forms.size()];
        Arrays.fill(best, Double.MAX_VALUE);
        int[] bestBatch = new int[forms.size()];
        for (int b = 0; b < batches.size(); b++) {
            StringBuilder line = new StringBuilder(String.format("%-7d", batches.get(b)));
            for (int i = 0; i < forms.size(); i++) {
                double m = median(perSample[i][b]);
                line.append(String.format(Locale.ROOT, "%16.1f", m));
                if (m < best[i]) {
                    best[i] = m;
                    bestBatch[i] = batches.get(b);
                }
            }
            for (int i = 1; i < forms.size(); i++) {
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratios[r] = perSample[0][b][r] / perSample[i][b][r];
                }
                double[] sorted = ratios.clone();
                Arrays.sort(sorted);
                line.append(String.format(Locale.ROOT, "%8.2fx (%.2f-%.2f)", median(ratios), sorted[0], sorted[rounds - 1]));
            }
            out.println(line);
        }
        out.println();
        for (int i = 0; i < forms.size(); i++) {
            out.printf(Locale.ROOT, "best batch size of %s: %d (%.1f µs/sample)%n", forms.get(i).name(), bestBatch[i], best[i]);
        }
        for (int i = 1; i < forms.size(); i++) {
            out.printf(Locale.ROOT, "%s at its best batch size vs %s at its best: %.2fx%n", forms.get(i).name(),
                    forms.get(0).name(), best[0] / best[i]);
        }
        out.println("(ratios: per round, the first form's time per sample over the other's, median and range over the rounds)");
    }

    /** Same inputs through every form: largest output differences vs the first form, exit predictions and decisions. */
    private void agreement(OrtEnvironment env, List<Form> forms, float[] data, long[] sampleShape, int n) throws Exception {
        int sampleSize = data.length / batches.stream().max(Integer::compare).orElseThrow();
        List<Map<String, float[]>> outputs = new ArrayList<>();
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(data, 0, n * sampleSize), shape(n, sampleShape))) {
            for (Form f : forms) {
                Map<String, float[]> values = new LinkedHashMap<>();
                try (OrtSession.Result r = f.session().run(Map.of(f.input(), x))) {
                    for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                        values.put(e.getKey(), ((OnnxTensor) e.getValue()).getFloatBuffer().array());
                    }
                }
                outputs.add(values);
            }
        }
        Map<String, float[]> ref = outputs.get(0);
        String exit = ref.keySet().iterator().next();
        int classes = ref.get(exit).length / n;
        for (int i = 1; i < forms.size(); i++) {
            StringBuilder line = new StringBuilder(String.format("  %s vs %s on %d inputs:", forms.get(i).name(),
                    forms.get(0).name(), n));
            for (Map.Entry<String, float[]> e : ref.entrySet()) {
                float[] other = outputs.get(i).get(e.getKey());
                double max = 0;
                for (int k = 0; k < other.length; k++) {
                    max = Math.max(max, Math.abs(other[k] - e.getValue()[k]));
                }
                line.append(String.format(Locale.ROOT, " %s max |diff| %.3g;", e.getKey(), max));
            }
            int samePred = 0;
            double maxEntropy = 0;
            for (int s = 0; s < n; s++) {
                float[] a = Arrays.copyOfRange(ref.get(exit), s * classes, (s + 1) * classes);
                float[] b = Arrays.copyOfRange(outputs.get(i).get(exit), s * classes, (s + 1) * classes);
                samePred += argmax(a) == argmax(b) ? 1 : 0;
                maxEntropy = Math.max(maxEntropy, Math.abs(Softmax.entropyNats(a) - Softmax.entropyNats(b)));
            }
            line.append(String.format(Locale.ROOT, " same exit prediction %d/%d, exit entropy max |diff| %.3g nats",
                    samePred, n, maxEntropy));
            out.println(line);
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static long[] shape(int n, long[] sampleShape) {
        long[] s = new long[sampleShape.length + 1];
        s[0] = n;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return s;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            String model = lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse(System.getProperty("os.arch"));
            return model + " (" + Runtime.getRuntime().availableProcessors() + " CPUs, " + System.getProperty("os.arch") + ")";
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch") + " (" + Runtime.getRuntime().availableProcessors() + " CPUs)";
        }
    }
}
