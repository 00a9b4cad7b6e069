package io.hybridfog.demo.data;

import ai.onnxruntime.OrtSession.SessionOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.codec.ImagePreprocessor;
import io.hybridfog.codec.Softmax;
import io.hybridfog.onnx.ModelBundle;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.ModelBundleLoader;
import io.hybridfog.onnx.OnnxCloudPartition;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxPartitions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Contract between training and runtime for every exported CIFAR-10 variant (models/cifar10/&lt;cut&gt;-b&lt;bits&gt;/
 * holding edge.onnx, cloud.onnx, metrics.json, reference-predictions.csv, written by models/cifar10/train.py hybrid):
 * the partitions pass the model-bundle loader's checks (metadata, shapes, edge/cloud agreement), and the Java path a
 * gateway takes (test.zip JPEG bytes -> ImagePreprocessor -> edge -> cloud) predicts what PyTorch recorded, as closely
 * as float32 arithmetic allows.
 *
 * <p>What that means for a quantized edge: ONNX Runtime picks its kernels by CPU (AVX2, AVX-512, NEON) and sums in
 * another order than PyTorch, so results differ in the last bits; a sign or k-bit quantizer turns such a difference
 * into a whole step when a value sits within rounding distance of a quantization threshold, and a few flipped steps
 * move an exit entropy by up to a few hundredths of a nat. Which samples flip depends on the kernels; how many can flip
 * is a property of the model: how many samples have values that close to a threshold. The test measures that here,
 * with the runtime under test, and bounds the disagreements with PyTorch by it:
 * <ol>
 * <li>Sensitivity: the same images again with every input value multiplied by (1 + e), e uniform in
 * [-{@value #PERTURBATION}, {@value #PERTURBATION}] (seeded). That is about 80 float32 ulps on the input, more than any
 * kernel's rounding adds to a layer's inputs (a few ulps), so it flips at least the values a kernel change can flip.
 * The samples whose exit prediction, cloud prediction, exit decision or exit entropy (beyond
 * {@value #ENTROPY_TOLERANCE_NATS} nats) change under it are counted: n_perturbed per quantity.</li>
 * <li>Contract: per quantity, the samples where Java differs from PyTorch are at most n_perturbed + 3 sqrt(n_perturbed)
 * + 3 (a Poisson allowance for a count of rare events). A wrong preprocessing, threshold, label order or graph gives
 * hundreds of disagreements and fails; rounding on any CPU does not.</li>
 * </ol>
 * The report lists both counts per quantity and the worst entropy differences with their images. As a control that
 * the bound discriminates, the Java predictions are also compared with the PyTorch row of an image of another class
 * ({@value #CONTROL_OFFSET} rows on, the next class folder): that must exceed the allowance, or the check fails. The shipped variant
 * ({@value DatasetSpec#CIFAR10_DEFAULT_MODEL}) is checked on all 5,000 images, the other variants on every
 * {@value #OTHER_VARIANTS_STRIDE}th (1,000, all classes) to keep the build short.
 * Variant folders can be given with {@code -Dhybridfog.cifar10.variants=dir1,dir2} (e.g. a smoke export).
 * Skipped while no variant is exported or test.zip is absent.
 */
class Cifar10ReferencePredictionsContractTest {
    private static final Path MODELS = Path.of("../../models/cifar10");
    private static final int BATCH = 250;
    /** Relative perturbation of every input value for the sensitivity run (about 80 float32 ulps). */
    static final double PERTURBATION = 1e-5;
    /** Exit entropies further than this from the reference count as differing samples. */
    static final double ENTROPY_TOLERANCE_NATS = 5e-3;
    static final int OTHER_VARIANTS_STRIDE = 5;
    /** Rows between an image and its control reference: 500 images per class, in class folder order. */
    static final int CONTROL_OFFSET = 500;
    private static final String[] QUANTITIES = {"exit prediction", "cloud prediction", "exit decision", "exit entropy"};

    @Test
    void everyExportedVariantMatchesItsPyTorchReference() throws Exception {
        List<Path> variants = variants();
        assumeTrue(!variants.isEmpty(), "skipped: no exported CIFAR-10 variant in " + MODELS.toAbsolutePath().normalize()
                + " (models/cifar10/README.md: train.py hybrid)");
        ImageFolderTestSet testSet = Cifar10TestSet.fromFolder(Cifar10TestSetTest.realDataFolder(), Integer.MAX_VALUE);
        List<String> failures = new ArrayList<>();
        for (Path variant : variants) {
            String result = check(variant, testSet);
            System.out.println("cifar10 contract " + variant.getFileName() + ": " + result);
            if (result.startsWith("FAIL")) {
                failures.add(variant + ": " + result);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** The allowed count of samples differing from PyTorch, given the count differing under the perturbation. */
    static int allowed(int perturbedCount) {
        return (int) Math.floor(perturbedCount + 3 * Math.sqrt(perturbedCount) + 3);
    }

    private static List<Path> variants() throws IOException {
        String given = System.getProperty("hybridfog.cifar10.variants", "");
        if (!given.isBlank()) {
            return Arrays.stream(given.split(",")).map(String::trim).map(Path::of).toList();
        }
        if (!Files.isDirectory(MODELS)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(MODELS)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("edge.onnx"))).sorted().toList();
        }
    }

    /** One sample's outputs: exit prediction, cloud prediction, exit entropy (nats). */
    record Outputs(int exitPred, int cloudPred, double entropy) {
        int[] differences(Outputs o, double threshold) {
            return new int[] {exitPred != o.exitPred ? 1 : 0, cloudPred != o.cloudPred ? 1 : 0,
                    (entropy < threshold) != (o.entropy < threshold) ? 1 : 0,
                    Math.abs(entropy - o.entropy) > ENTROPY_TOLERANCE_NATS ? 1 : 0};
        }
    }

    /** @return "ok: ..." or "FAIL: ..." with the counts per quantity and the worst cases */
    private static String check(Path dir, ImageFolderTestSet testSet) throws Exception {
        JsonNode metrics = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        List<String> lines = Files.readAllLines(dir.resolve("reference-predictions.csv"));
        assertEquals("index,label,exit_pred,exit_entropy_nats,cloud_pred", lines.get(0), dir + ": CSV header");
        assertEquals(testSet.size(), lines.size() - 1, dir + ": one CSV row per test.zip image");
        // headers as the variant's model bundle will declare them: the loader checks the metadata against them
        Map<String, String> headers = Map.of(ModelBundleHeaders.MODEL, metrics.get("model").asText(),
                ModelBundleHeaders.MODEL_VERSION, metrics.get("version").asText(),
                "HybridFog-Partitions", "edge=edge.onnx,cloud=cloud.onnx");
        try (SessionOptions options = OnnxPartitions.sessionOptions(1);
             ModelBundle bundle = ModelBundleLoader.load(ModelBundleHeaders.parse(headers::get).orElseThrow(),
                     path -> Files.readAllBytes(dir.resolve(path)), OnnxPartitions.sharedEnvironment(), options)) {
            OnnxEdgePartition edge = bundle.edge().orElseThrow();
            OnnxCloudPartition cloud = bundle.cloud().orElseThrow();
            ModelDescriptor d = edge.descriptor();
            assertEquals(List.copyOf(Cifar10TestSet.CLASSES), d.labels(), dir + ": labels");
            assertEquals(metrics.get("threshold_nats").asDouble(), d.exitPolicy().threshold(), dir + ": threshold");
            ImagePreprocessor pre = new ImagePreprocessor(d.input());
            int stride = d.name().equals(DatasetSpec.CIFAR10_DEFAULT_MODEL) ? 1 : OTHER_VARIANTS_STRIDE;
            int[] indices = java.util.stream.IntStream.range(0, testSet.size()).filter(i -> i % stride == 0).toArray();
            double threshold = d.exitPolicy().threshold();
            int[] vsPyTorch = new int[QUANTITIES.length];
            int[] vsPerturbed = new int[QUANTITIES.length];
            int[] vsControl = new int[QUANTITIES.length];
            List<double[]> entropyGaps = new ArrayList<>(); // {gap, index}
            Random noise = new Random(20261207);
            for (int from = 0; from < indices.length; from += BATCH) {
                int n = Math.min(BATCH, indices.length - from);
                float[] batch = new float[n * 3 * 32 * 32];
                for (int i = 0; i < n; i++) {
                    float[] image = pre.fromImage(testSet.payload(indices[from + i])).data();
                    System.arraycopy(image, 0, batch, i * image.length, image.length);
                }
                float[] perturbed = new float[batch.length];
                for (int k = 0; k < batch.length; k++) {
                    perturbed[k] = (float) (batch[k] * (1 + PERTURBATION * (2 * noise.nextDouble() - 1)));
                }
                Outputs[] java = run(edge, cloud, batch, n);
                Outputs[] javaPerturbed = run(edge, cloud, perturbed, n);
                for (int i = 0; i < n; i++) {
                    int index = indices[from + i];
                    String[] f = lines.get(index + 1).split(",");
                    assertEquals(index, Integer.parseInt(f[0]), dir + ": CSV rows in index order");
                    assertEquals(testSet.label(index), Integer.parseInt(f[1]), dir + ": CSV row " + index + " is "
                            + testSet.entryName(index) + ", another label");
                    Outputs pyTorch = new Outputs(Integer.parseInt(f[2]), Integer.parseInt(f[4]), Double.parseDouble(f[3]));
                    add(vsPyTorch, java[i].differences(pyTorch, threshold));
                    add(vsPerturbed, java[i].differences(javaPerturbed[i], threshold));
                    String[] c = lines.get((index + CONTROL_OFFSET) % testSet.size() + 1).split(",");
                    add(vsControl, java[i].differences(new Outputs(Integer.parseInt(c[2]), Integer.parseInt(c[4]),
                            Double.parseDouble(c[3])), threshold));
                    entropyGaps.add(new double[] {Math.abs(java[i].entropy() - pyTorch.entropy()), index});
                }
            }
            boolean ok = true;
            StringBuilder counts = new StringBuilder();
            for (int q = 0; q < QUANTITIES.length; q++) {
                boolean within = vsPyTorch[q] <= allowed(vsPerturbed[q]);
                ok &= within;
                counts.append(q == 0 ? "" : "; ").append(QUANTITIES[q]).append(" differs from PyTorch on ").append(vsPyTorch[q])
                        .append(" (allowed ").append(allowed(vsPerturbed[q])).append(": ").append(vsPerturbed[q])
                        .append(" under the perturbation)").append(within ? "" : " <- over");
            }
            // control: against another class's references, the predictions must be over the allowance
            boolean discriminates = vsControl[0] > allowed(vsPerturbed[0]) && vsControl[1] > allowed(vsPerturbed[1]);
            ok &= discriminates;
            counts.append("; control (another class's reference rows): exit prediction differs on ").append(vsControl[0])
                    .append(", cloud prediction on ").append(vsControl[1]).append(discriminates ? "" : " <- within the allowance: the bound does not discriminate");
            entropyGaps.sort((a, b) -> Double.compare(b[0], a[0]));
            StringBuilder worst = new StringBuilder();
            for (double[] g : entropyGaps.subList(0, Math.min(5, entropyGaps.size()))) {
                worst.append(worst.length() == 0 ? "" : ", ").append(testSet.entryName((int) g[1]))
                        .append(String.format(" %.4f", g[0]));
            }
            return (ok ? "ok: " : "FAIL: ") + d.id() + " on " + indices.length + " images, features "
                    + Arrays.toString(d.features().shape()) + (d.features().binary() ? " binary" : " real") + ": " + counts
                    + "; worst exit entropy differences (nats): " + worst;
        }
    }

    private static Outputs[] run(OnnxEdgePartition edge, OnnxCloudPartition cloud, float[] batch, int n) throws Exception {
        EdgeOutput out = edge.run(new Tensor(new long[] {n, 3, 32, 32}, batch));
        Tensor logits = cloud.run(out.features());
        Outputs[] result = new Outputs[n];
        for (int i = 0; i < n; i++) {
            float[] exit = row(out.exitLogits(), i);
            result[i] = new Outputs(Softmax.argmax(exit), Softmax.argmax(row(logits, i)), Softmax.entropyNats(exit));
        }
        return result;
    }

    private static void add(int[] total, int[] more) {
        for (int i = 0; i < total.length; i++) {
            total[i] += more[i];
        }
    }

    private static float[] row(Tensor t, int sample) {
        int width = (int) (t.size() / t.shape()[0]);
        return Arrays.copyOfRange(t.data(), sample * width, (sample + 1) * width);
    }
}
