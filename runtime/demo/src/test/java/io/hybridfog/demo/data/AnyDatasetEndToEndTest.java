package io.hybridfog.demo.data;

import ai.onnxruntime.OrtSession.SessionOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.InputSpec;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.codec.SampleDecoder;
import io.hybridfog.codec.Softmax;
import io.hybridfog.demo.HybridFogCli;
import io.hybridfog.demo.dse.VariantRunner;
import io.hybridfog.onnx.ModelBundle;
import io.hybridfog.onnx.ModelBundleLoader;
import io.hybridfog.onnx.OnnxCloudPartition;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxPartitions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Goal 1 of issue 17 end to end, on a data set neither side has seen: a generated ImageFolder (3 classes, 16x16 RGB
 * PNG; 36 training images, 60 test images in test.zip) is trained, calibrated and exported by the generic toolchain
 * ({@code models/train.py baseline} then {@code hybrid}, tiny settings, seconds), packaged as a model bundle jar (the
 * manifest headers and SHA-256 checksums bnd writes for a model module), and run by the Java runtime:
 * <ol>
 * <li>the real model-bundle loader ({@link ModelBundleLoader#loadJar}: checksums, metadata, shapes, smoke inference)
 * accepts it; labels are the folder names in sorted order, the input spec is the images' (3x16x16, RGB) with the
 * normalization the toolchain computed from the training split;</li>
 * <li>the test images, read as {@code hybridfog demo} reads a data set ({@link DatasetSpec}, {@link ImageFolderTestSet})
 * and decoded as the gateway does ({@link SampleDecoder}), through the edge and cloud partitions, give the predictions,
 * exit entropies and exit decisions of {@code reference-predictions.csv}, under the contract of
 * {@link Cifar10ReferencePredictionsContractTest}: per quantity, the samples differing from PyTorch are at most
 * n + 3 sqrt(n) + 3, n the samples that change under a 1e-5 relative input perturbation (the edge is quantized, 2-bit:
 * a value within rounding distance of a quantization step may flip on another kernel; exact agreement cannot be
 * promised for it, only bounded); and the bound discriminates (the rows of another class differ by more);</li>
 * <li>{@code hybridfog demo --dataset shapes --data DIR --models DIR} replays the test images over MQTT (embedded
 * broker, gateway and cloud worker in Felix, simulated devices): every sample answered once, and accuracy and edge-exit
 * rate within the same allowance of the PyTorch evaluation (metrics.json in the bundle).</li>
 * </ol>
 * Skipped if {@code /usr/bin/python3} with torch, onnx and Pillow is missing.
 */
class AnyDatasetEndToEndTest {
    static final List<String> CLASSES = List.of("circle", "cross", "stripes");
    static final int SIZE = 16;
    static final int TRAIN_PER_CLASS = 12;
    static final int TEST_PER_CLASS = 20;
    static final String PYTHON = "/usr/bin/python3";
    static final String MODEL = "shapes-resnet20-s2-b2";

    @Test
    @Timeout(900)
    void aTinyHybridOfAGeneratedImageFolderRunsThroughTheRuntime(@TempDir Path tmp) throws Exception {
        Path home = Path.of(System.getProperty("hybridfog.home", "../..")).toAbsolutePath().normalize();
        assumeTrue(pythonWithTorch(), "skipped: " + PYTHON + " with torch, onnx and Pillow is missing (./run-tests installs them)");

        // a data set: <DIR>/train/<class>/<nnnn>.png and <DIR>/test.zip of the same layout
        Path data = tmp.resolve("shapes");
        writeImageFolder(data.resolve("train"), TRAIN_PER_CLASS, 1);
        Path testFolder = tmp.resolve("test-images");
        writeImageFolder(testFolder, TEST_PER_CLASS, 2);
        zip(testFolder, data.resolve("test.zip"));

        Path work = tmp.resolve("work");
        List<String> common = List.of("--data", data.toString(), "--arch", "resnet20", "--val-size", "6", "--batch", "8",
                "--threads", "1", "--build", work.toString(), "--out", work.toString(), "--cache", work.toString());
        // 0.01: the default SGD rate (0.1) does not settle on 30 images; 15 epochs learn the three shapes
        train(home, tmp, "baseline", common, "--epochs", "15", "--lr", "0.01", "--report-test");
        train(home, tmp, "hybrid", common, "--epochs", "3", "--cut", "s2", "--bits", "2", "--version", "0.1.0",
                "--min-exit-rate", "0.5");
        Path variant = work.resolve("resnet20-s2-b2");
        JsonNode metrics = DatasetSpec.JSON.readTree(variant.resolve("metrics.json").toFile());
        assertEquals(MODEL, metrics.path("model").asText());
        Path bundles = Files.createDirectories(tmp.resolve("bundles"));
        Path jar = writeModelBundle(variant, bundles.resolve(MODEL + "-0.1.0.jar"), MODEL, "0.1.0");

        int[] allowance = loaderContract(home, data, work, variant, jar, metrics);
        demoOverMqtt(home, tmp, data, bundles, metrics, allowance);
    }

    /**
     * Steps 1 and 2: the loader, the input spec, and Java vs PyTorch per sample.
     *
     * @return the allowances for the prediction and the exit decision (step 3 uses them)
     */
    private static int[] loaderContract(Path home, Path data, Path work, Path variant, Path jar, JsonNode metrics) throws Exception {
        try (SessionOptions options = OnnxPartitions.sessionOptions(1);
             ModelBundle bundle = ModelBundleLoader.loadJar(jar, OnnxPartitions.sharedEnvironment(), options)) {
            OnnxEdgePartition edge = bundle.edge().orElseThrow();
            OnnxCloudPartition cloud = bundle.cloud().orElseThrow();
            ModelDescriptor d = edge.descriptor();
            assertEquals(MODEL, d.name());
            assertEquals("0.1.0", d.version());
            assertEquals(CLASSES, d.labels(), "labels: the class folder names, sorted");
            InputSpec input = d.input();
            assertArrayEquals(new long[] {3, SIZE, SIZE}, input.shape());
            assertEquals("rgb", input.color());
            assertEquals(255f, input.pixelScale());
            JsonNode normalization = DatasetSpec.JSON.readTree(work.resolve("normalization.json").toFile());
            assertArrayEquals(floats(normalization.path("mean")), input.mean(), "mean of the training split (normalization.json)");
            assertArrayEquals(floats(normalization.path("std")), input.std(), "std of the training split (normalization.json)");
            assertEquals(metrics.path("threshold_nats").asDouble(), d.exitPolicy().threshold(), 1e-12);

            // the bundle belongs to the data set by its metadata, and the test set is found as demo finds it
            ModelBundleJars.Installed installed = ModelBundleJars.bundle(jar).orElseThrow();
            DatasetSpec shapes = DatasetSpec.resolve("shapes", home);
            assertEquals("shapes", installed.dataset());
            assertTrue(shapes.belongs(installed));
            assertTrue(!DatasetSpec.resolve("cifar10", home).belongs(installed));
            ImageFolderTestSet testSet = (ImageFolderTestSet) shapes.loadTestSet(data, home, d.labels(), Integer.MAX_VALUE);
            int n = testSet.size();
            assertEquals(CLASSES.size() * TEST_PER_CLASS, n);

            List<String> lines = Files.readAllLines(variant.resolve("reference-predictions.csv"));
            assertEquals("index,label,exit_pred,exit_entropy_nats,cloud_pred", lines.get(0));
            assertEquals(n, lines.size() - 1, "one CSV row per test image");
            SampleDecoder decoder = new SampleDecoder(input, VariantRunner.MAX_PAYLOAD_BYTES);
            int per = 3 * SIZE * SIZE;
            float[] batch = new float[n * per];
            for (int i = 0; i < n; i++) {
                System.arraycopy(decoder.decode(testSet.payload(i)).data(), 0, batch, i * per, per);
            }
            Random noise = new Random(20261207);
            float[] perturbed = new float[batch.length];
            for (int k = 0; k < batch.length; k++) {
                perturbed[k] = (float) (batch[k] * (1 + Cifar10ReferencePredictionsContractTest.PERTURBATION * (2 * noise.nextDouble() - 1)));
            }
            double threshold = d.exitPolicy().threshold();
            Cifar10ReferencePredictionsContractTest.Outputs[] java = run(edge, cloud, batch, n);
            Cifar10ReferencePredictionsContractTest.Outputs[] javaPerturbed = run(edge, cloud, perturbed, n);
            int[] vsPyTorch = new int[4];
            int[] vsPerturbed = new int[4];
            int[] vsControl = new int[4];
            for (int i = 0; i < n; i++) {
                String[] f = lines.get(i + 1).split(",");
                assertEquals(i, Integer.parseInt(f[0]), "CSV rows in index order");
                assertEquals(testSet.label(i), Integer.parseInt(f[1]), "CSV row " + i + " is " + testSet.entryName(i) + ", another label");
                add(vsPyTorch, java[i].differences(reference(f), threshold));
                add(vsPerturbed, java[i].differences(javaPerturbed[i], threshold));
                // control: the reference row of the image at the same place in the next class folder
                add(vsControl, java[i].differences(reference(lines.get((i + TEST_PER_CLASS) % n + 1).split(",")), threshold));
            }
            String[] quantities = {"exit prediction", "cloud prediction", "exit decision", "exit entropy"};
            StringBuilder report = new StringBuilder();
            boolean ok = true;
            for (int q = 0; q < 4; q++) {
                int allowed = Cifar10ReferencePredictionsContractTest.allowed(vsPerturbed[q]);
                ok &= vsPyTorch[q] <= allowed;
                report.append(quantities[q]).append(" differs from PyTorch on ").append(vsPyTorch[q]).append(" of ").append(n)
                        .append(" (allowed ").append(allowed).append(": ").append(vsPerturbed[q]).append(" under the perturbation); ");
            }
            report.append("control (next class's rows): cloud prediction differs on ").append(vsControl[1]);
            System.out.println("any-dataset contract " + d.id() + ": " + report);
            assertTrue(ok, report.toString());
            assertTrue(vsControl[1] > Cifar10ReferencePredictionsContractTest.allowed(vsPerturbed[1]),
                    "the bound discriminates: " + report);
            // a demo sample's answer is the exit prediction if it exits, else the cloud's: both may differ
            return new int[] {Cifar10ReferencePredictionsContractTest.allowed(vsPerturbed[0] + vsPerturbed[1] + vsPerturbed[2]),
                    Cifar10ReferencePredictionsContractTest.allowed(vsPerturbed[2])};
        }
    }

    /** Step 3: {@code hybridfog demo} over MQTT, compared with the PyTorch evaluation. */
    private static void demoOverMqtt(Path home, Path tmp, Path data, Path bundles, JsonNode metrics, int[] allowance)
            throws Exception {
        // a home of its own (the demo's work folder is <home>/.hybridfog/demo): models/ and the checkout's config
        Path demoHome = Files.createDirectories(tmp.resolve("home/models"));
        Path report = tmp.resolve("demo-report.json");
        int rc = HybridFogCli.commandLine().execute("demo", "--dataset", "shapes", "--data", data.toString(),
                "--models", bundles.toString(), "--home", demoHome.getParent().toString(),
                "--config", home.resolve("config/demo").toString(), "--report", report.toString(),
                "--devices", "2", "--window", "4", "--timeout", "60", "--stall-timeout", "60");
        JsonNode out = DatasetSpec.JSON.readTree(report.toFile());
        JsonNode runtime = out.path("runtime");
        int n = CLASSES.size() * TEST_PER_CLASS;
        assertEquals("shapes", out.path("dataset").asText());
        assertEquals(MODEL, out.path("model").asText());
        assertEquals(n, runtime.path("answered").asInt(), "every sample answered");
        assertEquals(0, runtime.path("lost").asInt());
        assertEquals(0, runtime.path("duplicates").asInt());
        assertEquals(0, runtime.path("errors").asInt());
        JsonNode test = metrics.path("test");
        assertEquals(test.path("hybrid_accuracy").asDouble(), out.path("pytorch").path("accuracy").asDouble(), 1e-12,
                "the demo compares with the bundle's metrics.json");
        long correct = Math.round(runtime.path("accuracy").asDouble() * n);
        long exits = Math.round(runtime.path("edge_exit_rate").asDouble() * n);
        long pyCorrect = Math.round(test.path("hybrid_accuracy").asDouble() * n);
        long pyExits = Math.round(test.path("edge_exit_rate").asDouble() * n);
        System.out.printf("any-dataset demo over MQTT: %d/%d correct, %d exits (PyTorch %d, %d; allowed %d, %d), exit code %d%n",
                correct, n, exits, pyCorrect, pyExits, allowance[0], allowance[1], rc);
        assertTrue(Math.abs(correct - pyCorrect) <= allowance[0], "correct answers: runtime " + correct + ", PyTorch " + pyCorrect);
        assertTrue(Math.abs(exits - pyExits) <= allowance[1], "edge exits: runtime " + exits + ", PyTorch " + pyExits);
        // the demo's own verdict: 0 when it agrees with PyTorch within 0.1 points (here: the same counts), else 1
        assertEquals(out.path("agrees_with_pytorch_within_0.1_points").asBoolean() ? 0 : 1, rc);
        assertEquals(correct == pyCorrect && exits == pyExits, out.path("agrees_with_pytorch_within_0.1_points").asBoolean());
    }

    private static Cifar10ReferencePredictionsContractTest.Outputs reference(String[] f) {
        return new Cifar10ReferencePredictionsContractTest.Outputs(Integer.parseInt(f[2]), Integer.parseInt(f[4]), Double.parseDouble(f[3]));
    }

    private static Cifar10ReferencePredictionsContractTest.Outputs[] run(OnnxEdgePartition edge, OnnxCloudPartition cloud,
                                                                       float[] batch, int n) throws Exception {
        EdgeOutput out = edge.run(new Tensor(new long[] {n, 3, SIZE, SIZE}, batch));
        Tensor logits = cloud.run(out.features());
        var result = new Cifar10ReferencePredictionsContractTest.Outputs[n];
        int classes = CLASSES.size();
        for (int i = 0; i < n; i++) {
            float[] exit = Arrays.copyOfRange(out.exitLogits().data(), i * classes, (i + 1) * classes);
            float[] cloudLogits = Arrays.copyOfRange(logits.data(), i * classes, (i + 1) * classes);
            result[i] = new Cifar10ReferencePredictionsContractTest.Outputs(Softmax.argmax(exit), Softmax.argmax(cloudLogits),
                    Softmax.entropyNats(exit));
        }
        return result;
    }

    private static void add(int[] total, int[] more) {
        for (int i = 0; i < total.length; i++) {
            total[i] += more[i];
        }
    }

    private static float[] floats(JsonNode array) {
        float[] f = new float[array.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) array.get(i).asDouble();
        }
        return f;
    }

    static boolean pythonWithTorch() throws InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, onnx, PIL").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code models/train.py <mode> <common> <more>}, output to a log file that the failure message shows. */
    private static void train(Path home, Path tmp, String mode, List<String> common, String... more) throws Exception {
        List<String> command = new ArrayList<>(List.of(PYTHON, home.resolve("models/train.py").toString(), mode));
        command.addAll(common);
        command.addAll(List.of(more));
        Path log = tmp.resolve(mode + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        boolean done = p.waitFor(600, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(done && p.exitValue() == 0, String.join(" ", command) + " failed:\n"
                + output.substring(Math.max(0, output.length() - 4000)));
    }

    /**
     * {@code root/<class>/<nnnn>.png}, deterministic: a noisy drawing of its class (a disc, a cross, stripes) tinted per
     * class, as models/tests/test_any_dataset.py draws them, so that a tiny network has something to learn.
     */
    static void writeImageFolder(Path root, int perClass, long seed) throws IOException {
        Random rng = new Random(seed);
        for (int c = 0; c < CLASSES.size(); c++) {
            Path dir = Files.createDirectories(root.resolve(CLASSES.get(c)));
            for (int i = 0; i < perClass; i++) {
                BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 0; x < SIZE; x++) {
                        boolean on = switch (CLASSES.get(c)) {
                            case "circle" -> (y - SIZE / 2.0) * (y - SIZE / 2.0) + (x - SIZE / 2.0) * (x - SIZE / 2.0) < SIZE * SIZE / 9.0;
                            case "cross" -> Math.abs(y - SIZE / 2) < 2 || Math.abs(x - SIZE / 2) < 2;
                            default -> (x / 3) % 2 == 0;
                        };
                        int base = on ? 200 : 40;
                        int[] rgb = new int[3];
                        for (int k = 0; k < 3; k++) {
                            rgb[k] = Math.max(0, Math.min(255, base + rng.nextInt(60) - 30 + new int[] {0, 20, -20}[k] * (c - 1)));
                        }
                        img.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
                    }
                }
                ImageIO.write(img, "png", dir.resolve(String.format("%04d.png", i)).toFile());
            }
        }
    }

    private static void zip(Path folder, Path zipFile) throws IOException {
        List<Path> files;
        try (var walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(zipFile))) {
            for (Path f : files) {
                zip.putNextEntry(new ZipEntry(folder.relativize(f).toString().replace('\\', '/')));
                zip.write(Files.readAllBytes(f));
                zip.closeEntry();
            }
        }
    }

    /**
     * A model bundle jar of an exported variant with the headers bnd writes for every model bundle
     * (models/model-bundle.bnd): edge.onnx, cloud.onnx and metrics.json under models/, SHA-256 checksums.
     */
    static Path writeModelBundle(Path variant, Path jar, String model, String version) throws Exception {
        byte[] edge = Files.readAllBytes(variant.resolve("edge.onnx"));
        byte[] cloud = Files.readAllBytes(variant.resolve("cloud.onnx"));
        Manifest manifest = new Manifest();
        Attributes a = manifest.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "io.hybridfog.model." + model);
        a.putValue("Bundle-Version", version);
        a.putValue("Bundle-Name", "HybridFog model " + model + " " + version);
        a.putValue("HybridFog-Model", model);
        a.putValue("HybridFog-Model-Version", version);
        a.putValue("HybridFog-Partitions", "edge=models/edge.onnx,cloud=models/cloud.onnx");
        a.putValue("HybridFog-Checksums", "edge=sha256:" + sha256(edge) + ",cloud=sha256:" + sha256(cloud));
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (var e : List.of(new Object[] {"models/edge.onnx", edge}, new Object[] {"models/cloud.onnx", cloud},
                    new Object[] {"models/metrics.json", Files.readAllBytes(variant.resolve("metrics.json"))})) {
                out.putNextEntry(new JarEntry((String) e[0]));
                out.write((byte[]) e[1]);
                out.closeEntry();
            }
        }
        return jar;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
