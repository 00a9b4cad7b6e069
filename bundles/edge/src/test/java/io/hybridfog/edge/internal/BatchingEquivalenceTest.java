package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitDecision;
import io.hybridfog.api.ExitPoint;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.cloud.internal.CloudWorker;
import io.hybridfog.cloud.internal.CloudWorkerSettings;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.codec.SampleDecoder;
import io.hybridfog.codec.Softmax;
import io.hybridfog.codec.TensorCodec;
import io.hybridfog.edge.GatewayMetrics;
import io.hybridfog.mqtt.testing.InMemoryMessageBus;
import io.hybridfog.onnx.OnnxCloudPartition;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.policy.EntropyPolicy;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Dynamic batching answers every sample as batch 1 does, with the real partitions: the Fashion-MNIST hybrid (and the
 * shipped CIFAR-10 variant {@code s2b3-b1} when it and test.zip are present) run sample by sample and in batches of
 * 4, 16 and 64, compared per sample; and the gateway with {@code max.batch.size} 16 and a cloud worker batching its
 * offloads answer a stream with malformed samples in the middle of batches exactly as batch 1 would.
 *
 * <p>Tolerance: ONNX Runtime may pick another kernel or blocking for another batch size, which adds the same products
 * in another order; nothing else changes (the same weights, the same inputs, each sample's rows computed independently).
 * Reordering a float32 sum changes it by a few units in the last place of the larger partial sums, so a logit may move
 * by some ulps of the largest logit: {@value #LOGIT_TOLERANCE} x (1 + max |logit|) allows about 170 ulps
 * (2^-24 = 6e-8 each), ample for sums of thousands of terms and far below any difference a wrong row, a shifted slice
 * or a mixed-up sample would make (whole logits). The entropy H of softmax(z) moves by at most
 * (max z - min z) x max |dz| (dH/dz_i = -p_i (z_i - sum_j p_j z_j)), which is its tolerance. Where a sample's logits are
 * bitwise equal at batch 1 and batched (all of them on the machine these tests were written on), its exit decision and
 * predictions must be equal; where they differ within the tolerance, the decision must be equal unless the batch-1
 * entropy lies within the entropy tolerance of the threshold, and the prediction unless the two best logits lie within
 * twice the logit tolerance (both counted and reported). A binary feature is a sign: it may flip only where its
 * pre-activation is within rounding of 0 (counted, reported, at most 1 % of the samples' features and never for a
 * sample whose logits are bitwise equal).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BatchingEquivalenceTest {
    private static final Path FASHION = Path.of(System.getProperty("hybridfog.model.dir", "../../models/fashion-mnist"));
    private static final Path CIFAR10 = Path.of("../../models/cifar10/s2b3-b1");
    private static final Path CIFAR10_ZIP = Path.of(System.getenv().getOrDefault("HYBRIDFOG_DATA", "../../../shared/data"))
            .resolve("cifar10/test.zip");
    static final double LOGIT_TOLERANCE = 1e-5;
    private static final int[] BATCHES = {4, 16, 64};
    private static final ExitPolicy ENTROPY = new EntropyPolicy();

    /** What one sample gets at batch 1. */
    record Answer(float[] exitLogits, float[] features, float[] cloudLogits) {
    }

    @Test
    void fashionMnistPartitionsAnswerEverySampleInABatchAsAlone() throws Exception {
        try (Partitions p = Partitions.load(FASHION)) {
            List<byte[]> payloads = fashionMnist(512);
            String report = compareBatches(p, payloads);
            System.out.println("fashion-mnist batching: " + report);
        }
    }

    @Test
    void cifar10ShippedVariantAnswersEverySampleInABatchAsAlone() throws Exception {
        assumeTrue(Files.isRegularFile(CIFAR10.resolve("edge.onnx")), "skipped: no " + CIFAR10);
        assumeTrue(Files.isRegularFile(CIFAR10_ZIP), "skipped: no " + CIFAR10_ZIP);
        try (Partitions p = Partitions.load(CIFAR10)) {
            List<byte[]> payloads = new ArrayList<>();
            try (ZipFile zip = new ZipFile(CIFAR10_ZIP.toFile())) {
                List<? extends ZipEntry> jpegs = zip.stream().filter(e -> e.getName().endsWith(".jpg"))
                        .sorted(java.util.Comparator.comparing(ZipEntry::getName)).toList();
                for (int i = 0; i < jpegs.size() && payloads.size() < 256; i += 19) { // every class
                    try (InputStream in = zip.getInputStream(jpegs.get(i))) {
                        payloads.add(in.readAllBytes());
                    }
                }
            }
            String report = compareBatches(p, payloads);
            System.out.println("cifar10 s2b3-b1 batching: " + report);
        }
    }

    /** Runs every payload alone, then in batches of each size, and checks each sample's answer; returns a report. */
    private static String compareBatches(Partitions p, List<byte[]> payloads) throws Exception {
        ModelDescriptor d = p.edge.descriptor();
        double threshold = d.exitPolicy().threshold();
        SampleDecoder decoder = new SampleDecoder(d.input(), 1 << 20);
        List<Tensor> inputs = new ArrayList<>();
        for (byte[] payload : payloads) {
            inputs.add(decoder.decode(payload));
        }
        Answer[] alone = new Answer[inputs.size()];
        for (int i = 0; i < alone.length; i++) {
            EdgeOutput out = p.edge.run(inputs.get(i));
            alone[i] = new Answer(out.exitLogits().data(), out.features().data(), p.cloud.run(out.features()).data());
        }
        StringBuilder report = new StringBuilder(inputs.size() + " samples");
        for (int batch : BATCHES) {
            double worstLogit = 0;
            double worstEntropy = 0;
            double worstCloud = 0;
            int featureFlips = 0;
            int nearThreshold = 0;
            int nearTie = 0;
            int identicalExits = 0;
            int identicalClouds = 0;
            for (int from = 0; from < inputs.size(); from += batch) {
                int n = Math.min(batch, inputs.size() - from);
                EdgeOutput out = p.edge.run(stack(inputs.subList(from, from + n)));
                Tensor cloudLogits = p.cloud.run(out.features());
                for (int i = 0; i < n; i++) {
                    Answer a = alone[from + i];
                    float[] exit = row(out.exitLogits(), i, n);
                    float[] features = row(out.features(), i, n);
                    float[] cloud = row(cloudLogits, i, n);
                    String what = d.id() + " sample " + (from + i) + " in a batch of " + n;
                    double scale = 1 + maxAbs(a.exitLogits());
                    double logitGap = maxDiff(exit, a.exitLogits());
                    worstLogit = Math.max(worstLogit, logitGap / scale);
                    assertTrue(logitGap <= LOGIT_TOLERANCE * scale, what + ": exit logits differ by " + logitGap);
                    double h1 = Softmax.entropyNats(a.exitLogits());
                    double hb = Softmax.entropyNats(exit);
                    double entropyTolerance = entropyTolerance(a.exitLogits());
                    worstEntropy = Math.max(worstEntropy, Math.abs(h1 - hb));
                    assertTrue(Math.abs(h1 - hb) <= entropyTolerance, what + ": exit entropy " + hb + " vs " + h1);
                    ExitDecision alone1 = ENTROPY.decide(a.exitLogits(), threshold);
                    ExitDecision batched = ENTROPY.decide(exit, threshold);
                    boolean identical = Arrays.equals(exit, a.exitLogits());
                    identicalExits += identical ? 1 : 0;
                    if (identical || Math.abs(h1 - threshold) > entropyTolerance) {
                        assertEquals(alone1.exitAtEdge(), batched.exitAtEdge(), what + ": exit decision");
                    } else {
                        nearThreshold++;
                    }
                    if (identical || topTwoGap(a.exitLogits()) > 2 * LOGIT_TOLERANCE * scale) {
                        assertEquals(alone1.predictedClass(), batched.predictedClass(), what + ": exit prediction");
                    } else {
                        nearTie++;
                    }
                    int flips = 0;
                    for (int k = 0; k < features.length; k++) {
                        flips += features[k] != a.features()[k] ? 1 : 0;
                    }
                    featureFlips += flips;
                    assertTrue(flips == 0 || !identical, what + ": features differ, exit logits identical");
                    if (flips == 0) { // same features: the cloud partition must agree as closely as the exit does
                        double cloudScale = 1 + maxAbs(a.cloudLogits());
                        double cloudGap = maxDiff(cloud, a.cloudLogits());
                        worstCloud = Math.max(worstCloud, cloudGap / cloudScale);
                        assertTrue(cloudGap <= LOGIT_TOLERANCE * cloudScale, what + ": cloud logits differ by " + cloudGap);
                        boolean same = Arrays.equals(cloud, a.cloudLogits());
                        identicalClouds += same ? 1 : 0;
                        if (same || topTwoGap(a.cloudLogits()) > 2 * LOGIT_TOLERANCE * cloudScale) {
                            assertEquals(Softmax.argmax(a.cloudLogits()), Softmax.argmax(cloud), what + ": cloud prediction");
                        } else {
                            nearTie++;
                        }
                    }
                }
            }
            // a sign flips only at a pre-activation within rounding of 0: rare, never a systematic difference
            assertTrue(featureFlips <= inputs.size() / 100 + 2, d.id() + " batch " + batch + ": " + featureFlips
                    + " binary features differ from batch 1");
            report.append(String.format("; batch %d: exit logits bitwise equal for %d, cloud logits for %d; worst exit "
                            + "logit difference %.2e (relative to 1 + max |logit|), worst entropy difference %.2e nats, "
                            + "worst cloud logit difference %.2e, %d binary features flipped, %d differing samples within "
                            + "tolerance of the threshold, %d near ties", batch, identicalExits, identicalClouds, worstLogit,
                    worstEntropy, worstCloud, featureFlips, nearThreshold, nearTie));
        }
        return report.toString();
    }

    /** An entropy moves by at most (max z - min z) x max |dz|; see the class comment. */
    private static double entropyTolerance(float[] logits) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float z : logits) {
            min = Math.min(min, z);
            max = Math.max(max, z);
        }
        return ((double) max - min) * LOGIT_TOLERANCE * (1 + maxAbs(logits));
    }

    /**
     * The gateway with {@code max.batch.size} 16 and a cloud worker batching its offloads: 64 samples released at once
     * behind a first one that holds the edge partition, malformed ones among them. Every sample gets one result, the
     * same as at batch 1 (exit point, classes, entropy), the malformed ones their own errors, and the edge partition
     * ran batches of up to 16.
     */
    @Test
    void gatewayBatchesAnswerEachSampleAsBatchOneWithMalformedSamplesAnsweredAlone() throws Exception {
        try (Partitions p = Partitions.load(FASHION); InMemoryMessageBus bus = new InMemoryMessageBus()) {
            List<byte[]> payloads = fashionMnist(64);
            ModelDescriptor d = p.edge.descriptor();
            double threshold = d.exitPolicy().threshold();
            SampleDecoder decoder = new SampleDecoder(d.input(), 1 << 20);
            Map<String, Answer> expected = new HashMap<>();
            for (int i = 0; i < payloads.size(); i++) {
                EdgeOutput out = p.edge.run(decoder.decode(payloads.get(i)));
                expected.put("s" + i, new Answer(out.exitLogits().data(), out.features().data(),
                        p.cloud.run(out.features()).data()));
            }
            BlockingQueue<BusMessage> results = new LinkedBlockingQueue<>();
            bus.subscribe("hybridfog/results/+", results::add);
            CountDownLatch gate = new CountDownLatch(1);
            Recording edge = new Recording(p.edge, gate);
            RecordingCloud cloud = new RecordingCloud(p.cloud);
            CloudWorker worker = new CloudWorker(bus, () -> List.of(cloud), CloudWorkerSettings.defaults()
                    .withBatching(16, 20));
            worker.start();
            EdgeGateway gateway = new EdgeGateway(bus, () -> List.of(edge), () -> List.of(ENTROPY),
                    new TestModels.Energy(), GatewaySettings.of("gw", d.name()).withLimits(5000, 1, 1000, 1 << 20)
                    .withBatching(16, 0));
            try {
                gateway.start();
                send(bus, "first", payloads.get(0)); // holds the worker in the edge partition until all are queued
                expected.put("first", expected.get("s0"));
                Map<String, ErrorCode> malformed = new HashMap<>();
                for (int i = 0; i < payloads.size(); i++) {
                    send(bus, "s" + i, payloads.get(i));
                    if (i % 10 == 3) {
                        send(bus, "junk" + i, "not an image".getBytes(UTF_8));
                        malformed.put("junk" + i, ErrorCode.MALFORMED_PAYLOAD);
                    }
                    if (i % 17 == 5) {
                        float[] nan = new float[28 * 28];
                        nan[i] = Float.NaN;
                        send(bus, "nan" + i, TensorCodec.encode(new Tensor(new long[] {1, 1, 28, 28}, nan),
                                TensorCodec.Encoding.FLOAT32, null, null));
                        malformed.put("nan" + i, ErrorCode.NON_FINITE_VALUES);
                    }
                }
                bus.awaitDelivered(10_000); // every sample journaled and queued behind the first
                gate.countDown();
                int total = 1 + payloads.size() + malformed.size();
                Map<String, InferenceResult> got = new HashMap<>();
                for (int i = 0; i < total; i++) {
                    BusMessage m = results.poll(30, TimeUnit.SECONDS);
                    assertNotNull(m, "result " + i + " of " + total);
                    InferenceResult r = ResultCodec.fromJson(m.payload());
                    assertNull(got.put(r.sampleId(), r), "one result per sample: " + r.sampleId());
                }
                assertNull(results.poll(200, TimeUnit.MILLISECONDS), "no further result");
                malformed.forEach((id, code) -> assertEquals(code, got.get(id).error(), id));
                for (Map.Entry<String, Answer> e : expected.entrySet()) {
                    InferenceResult r = got.get(e.getKey());
                    assertNull(r.error(), e.getKey() + ": " + r.errorMessage());
                    Answer a = e.getValue();
                    ExitDecision alone = ENTROPY.decide(a.exitLogits(), threshold);
                    assertEquals(alone.entropyNats(), r.entropyNats(), entropyTolerance(a.exitLogits()), e.getKey());
                    if (alone.exitAtEdge()) {
                        assertEquals(ExitPoint.EDGE, r.exit(), e.getKey());
                        assertEquals(alone.predictedClass(), r.predictedClass(), e.getKey());
                    } else {
                        assertEquals(ExitPoint.CLOUD, r.exit(), e.getKey());
                        assertEquals(Softmax.argmax(a.cloudLogits()), r.predictedClass(), e.getKey());
                    }
                }
                // all 64 well-formed samples behind the first ran in batches of at most 16, each sample once
                List<Integer> sizes = edge.batchSizes;
                assertEquals(1 + payloads.size(), sizes.stream().mapToInt(Integer::intValue).sum(), "runs " + sizes);
                assertTrue(sizes.stream().allMatch(n -> n <= 16), "batch sizes " + sizes);
                assertTrue(sizes.stream().anyMatch(n -> n > 1), "batch sizes " + sizes);
                GatewayMetrics.Batches b = gateway.metrics().edgeBatches();
                assertEquals(sizes.size(), b.runs());
                assertEquals(1 + payloads.size(), b.samples());
                long offloads = gateway.metrics().snapshot().offloads();
                assertEquals(offloads, cloud.batchSizes.stream().mapToInt(Integer::intValue).sum(), "cloud runs " + cloud.batchSizes);
                assertEquals(offloads, worker.metrics().batches().requests());
                System.out.println("gateway batching: edge batch sizes " + sizes + "; cloud batch sizes " + cloud.batchSizes);
            } finally {
                gateway.close();
                worker.close();
            }
        }
    }

    private static void send(InMemoryMessageBus bus, String sampleId, byte[] payload) {
        bus.publish(new BusMessage("hybridfog/samples/dev", payload, null, sampleId.getBytes(UTF_8), null, Map.of()));
    }

    /** The real edge partition, recording batch sizes; its first run waits for the gate. */
    private static final class Recording implements EdgePartition {
        final EdgePartition delegate;
        final CountDownLatch gate;
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

        Recording(EdgePartition delegate, CountDownLatch gate) {
            this.delegate = delegate;
            this.gate = gate;
        }

        @Override
        public ModelDescriptor descriptor() {
            return delegate.descriptor();
        }

        @Override
        public EdgeOutput run(Tensor input) throws HybridFogException {
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            batchSizes.add((int) input.shape()[0]);
            return delegate.run(input);
        }
    }

    private static final class RecordingCloud implements CloudPartition {
        final CloudPartition delegate;
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

        RecordingCloud(CloudPartition delegate) {
            this.delegate = delegate;
        }

        @Override
        public ModelDescriptor descriptor() {
            return delegate.descriptor();
        }

        @Override
        public Tensor run(Tensor features) throws HybridFogException {
            batchSizes.add((int) features.shape()[0]);
            return delegate.run(features);
        }
    }

    private record Partitions(OnnxEdgePartition edge, OnnxCloudPartition cloud) implements AutoCloseable {
        static Partitions load(Path dir) throws Exception {
            OrtEnvironment env = OnnxPartitions.sharedEnvironment();
            try (OrtSession.SessionOptions options = OnnxPartitions.sessionOptions(1)) {
                return new Partitions(OnnxPartitions.loadEdge(env, Files.readAllBytes(dir.resolve("edge.onnx")), options),
                        OnnxPartitions.loadCloud(env, Files.readAllBytes(dir.resolve("cloud.onnx")), options));
            }
        }

        @Override
        public void close() {
            edge.close();
            cloud.close();
        }
    }

    /** The first {@code n} Fashion-MNIST test images as UINT8 tensors [1, 28, 28] (HFT), as a device may send them. */
    private static List<byte[]> fashionMnist(int n) throws IOException {
        Path file = FASHION.resolve("data/t10k-images-idx3-ubyte.gz");
        if (!Files.isRegularFile(file)) {
            file = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
        }
        List<byte[]> payloads = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file)))) {
            in.readInt();
            in.readInt();
            in.readInt();
            in.readInt();
            byte[] image = new byte[784];
            for (int i = 0; i < n; i++) {
                in.readFully(image);
                float[] pixels = new float[784];
                for (int k = 0; k < 784; k++) {
                    pixels[k] = image[k] & 0xff;
                }
                payloads.add(TensorCodec.encode(new Tensor(new long[] {1, 28, 28}, pixels), TensorCodec.Encoding.UINT8,
                        null, null));
            }
        }
        return payloads;
    }

    private static Tensor stack(List<Tensor> rows) {
        int size = rows.get(0).size();
        float[] data = new float[size * rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i).data(), 0, data, i * size, size);
        }
        long[] shape = rows.get(0).shape().clone();
        shape[0] = rows.size();
        return new Tensor(shape, data);
    }

    private static float[] row(Tensor t, int i, int n) {
        int size = t.size() / n;
        return Arrays.copyOfRange(t.data(), i * size, (i + 1) * size);
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    private static double topTwoGap(float[] logits) {
        float first = -Float.MAX_VALUE;
        float second = -Float.MAX_VALUE;
        for (float z : logits) {
            if (z > first) {
                second = first;
                first = z;
            } else if (z > second) {
                second = z;
            }
        }
        return first - second;
    }
}
