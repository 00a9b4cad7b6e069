package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.MqttClientBus;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.OnnxPartitions;
import io.hybridfog.policy.EntropyPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large payloads through a real Mosquitto without a packet size limit (the worst case: nothing stops them before the
 * gateway) to a gateway with the real Fashion-MNIST edge partition, {@code max.payload.bytes} 1 MiB and
 * {@code journal.max.bytes} 64 MiB: first 100 samples of 20 MiB, then samples of exactly 1 MiB (accepted, journaled in
 * sample files, then answered MALFORMED_PAYLOAD: they are random bytes). Contract: every sample gets one answer; the
 * refused ones write nothing to the journal; the journal never exceeds its limit on disk and gives the samples' space
 * back once everything is answered; the heap after a full GC ends near where it started. Prints journal size, VmRSS and heap
 * before, at the peak and after each phase (docs/reliability.md).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class JournalLimitsTest {
    private static final Path MODEL_DIR = Path.of(System.getProperty("hybridfog.model.dir", "../../models/fashion-mnist"));
    private static final int HUGE = Integer.getInteger("hybridfog.fault.journal.huge", 100);
    private static final int LARGE = Integer.getInteger("hybridfog.fault.journal.large", 1_000);
    private static final int MAX_PAYLOAD = 1 << 20;
    private static final long JOURNAL_MAX = 64L << 20;
    private static final List<ExitPolicy> POLICIES = List.of(new EntropyPolicy());
    private static final String DEVICE = "dev-large";

    private final Map<String, List<InferenceResult>> results = new ConcurrentHashMap<>();
    private final Semaphore window = new Semaphore(8);

    @Test
    void refusedPayloadsWriteNothingAndTheJournalStaysBoundedAndGivesSpaceBack(@TempDir Path journalDir) throws Exception {
        List<AutoCloseable> toClose = new ArrayList<>();
        try (MosquittoBroker broker = MosquittoBroker.start(List.of())) {
            OnnxEdgePartition edge;
            try (OrtSession.SessionOptions options = OnnxPartitions.sessionOptions(1)) {
                edge = OnnxPartitions.loadEdge(OnnxPartitions.sharedEnvironment(),
                        Files.readAllBytes(MODEL_DIR.resolve("edge.onnx")), options);
            }
            toClose.add(edge);
            MqttClientBus gatewayBus = bus(broker, "large-gateway", toClose);
            MqttClientBus deviceBus = bus(broker, "large-device", toClose);
            EdgeGateway gateway = new EdgeGateway(gatewayBus, () -> List.of(edge), () -> POLICIES, new TestModels.Energy(),
                    GatewaySettings.of("gateway-1", edge.descriptor().name()).withExit(null, 10.0)
                            .withLimits(5000, 2, 1000, MAX_PAYLOAD).withJournalDir(journalDir.toString())
                            .withJournalMaxBytes(JOURNAL_MAX));
            gateway.start();
            toClose.add(0, gateway);
            deviceBus.subscribe("hybridfog/results/" + DEVICE, m -> {
                try {
                    InferenceResult r = ResultCodec.fromJson(m.payload());
                    List<InferenceResult> got = results.computeIfAbsent(r.sampleId(),
                            k -> new java.util.concurrent.CopyOnWriteArrayList<>());
                    got.add(r);
                    if (got.size() == 1) {
                        window.release();
                    }
                } catch (HybridFogException e) {
                    results.computeIfAbsent("unreadable", k -> new java.util.concurrent.CopyOnWriteArrayList<>());
                }
            });
            Random random = new Random(15);

            // 1. 20 MiB samples: PAYLOAD_TOO_LARGE, nothing written
            byte[] huge = new byte[20 << 20];
            random.nextBytes(huge);
            long journalBefore = ResultJournalTest.diskBytes(journalDir);
            Phase p1 = phase("huge", journalDir, () -> {
                for (int i = 0; i < HUGE; i++) {
                    send(deviceBus, "huge-" + i, huge);
                }
            });
            assertEquals(journalBefore, ResultJournalTest.diskBytes(journalDir), "refused samples wrote to the journal");
            assertEquals(journalBefore, p1.journalPeak, "refused samples wrote to the journal");

            // 2. samples of exactly max.payload.bytes: journaled, answered MALFORMED_PAYLOAD (or JOURNAL_FULL)
            byte[] large = new byte[MAX_PAYLOAD];
            random.nextBytes(large);
            Phase p2 = phase("1 MiB", journalDir, () -> {
                for (int i = 0; i < LARGE; i++) {
                    send(deviceBus, "large-" + i, large);
                }
            });
            assertTrue(p2.journalPeak <= JOURNAL_MAX, "journal peak " + p2.journalPeak + " bytes, limit " + JOURNAL_MAX);
            // the space of the samples is given back: their files are gone; what stays is the MVStore file of small
            // entries (results, answered ids): MVStore reuses its dead space, the journal compacts it above half the limit
            String[] left = journalDir.resolve("samples").toFile().list();
            assertEquals(0, left == null ? 0 : left.length, "sample files left once all answered");
            assertTrue(p2.journalAfter <= JOURNAL_MAX / 2, "journal still " + p2.journalAfter + " bytes once all answered");

            Map<String, Integer> byCode = new TreeMap<>();
            List<String> wrong = new ArrayList<>();
            check("huge-", HUGE, List.of(ErrorCode.PAYLOAD_TOO_LARGE), byCode, wrong);
            check("large-", LARGE, List.of(ErrorCode.MALFORMED_PAYLOAD, ErrorCode.JOURNAL_FULL), byCode, wrong);
            System.out.println("journal limits: " + byCode + "; gateway " + gateway.metrics().snapshot());
            assertEquals(List.of(), wrong.subList(0, Math.min(wrong.size(), 20)), wrong.size() + " samples answered wrongly");
            assertTrue(!results.containsKey("unreadable"), "a result was not valid JSON");
            assertTrue(byCode.getOrDefault("MALFORMED_PAYLOAD", 0) > 0, "no 1 MiB sample was journaled");
            // memory is given back: what the heap holds after a full GC ends near where it started
            assertTrue(p2.heapAfter - p1.heapBefore < 64L << 20, "heap after GC grew from " + mib(p1.heapBefore)
                    + " to " + mib(p2.heapAfter) + " MiB");
        } finally {
            for (AutoCloseable c : toClose) {
                c.close();
            }
        }
    }

    private void check(String prefix, int n, List<ErrorCode> allowed, Map<String, Integer> byCode, List<String> wrong) {
        for (int i = 0; i < n; i++) {
            List<InferenceResult> got = results.getOrDefault(prefix + i, List.of());
            if (got.size() != 1 || !allowed.contains(got.get(0).error())) {
                wrong.add(prefix + i + ": " + got.stream().map(r -> r.error() + " " + r.errorMessage()).toList());
            } else {
                byCode.merge(got.get(0).error().name(), 1, Integer::sum);
            }
        }
    }

    /** What a phase measured: journal bytes on disk, VmRSS and heap after a full GC, before / peak / after. */
    record Phase(long journalPeak, long journalAfter, long heapBefore, long heapAfter) {
    }

    interface Sends {
        void run() throws Exception;
    }

    private Phase phase(String name, Path journalDir, Sends sends) throws Exception {
        long heapBefore = heapAfterGc();
        long rssBefore = rss();
        long journalBefore = ResultJournalTest.diskBytes(journalDir);
        AtomicLong journalPeak = new AtomicLong(journalBefore);
        AtomicLong rssPeak = new AtomicLong(rssBefore);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                journalPeak.accumulateAndGet(ResultJournalTest.diskBytes(journalDir), Math::max);
                rssPeak.accumulateAndGet(rss(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "journal-sampler");
        sampler.start();
        long t0 = System.nanoTime();
        sends.run();
        if (!window.tryAcquire(8, 120, TimeUnit.SECONDS)) {
            throw new AssertionError(name + ": not every sample answered within 120 s; " + results.size() + " answered");
        }
        window.release(8);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15); // housekeeping gives the space back
        while (ResultJournalTest.diskBytes(journalDir) > JOURNAL_MAX / 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Thread.sleep(1500);
        sampler.interrupt();
        sampler.join();
        long journalAfter = ResultJournalTest.diskBytes(journalDir);
        long heapAfter = heapAfterGc();
        long rssAfter = rss();
        System.out.printf("journal limits, %s: %.1f s; journal %d / %d / %d bytes; VmRSS %d / %d / %d MiB; heap after GC "
                        + "%d -> %d MiB (before / peak / after)%n", name, seconds, journalBefore, journalPeak.get(),
                journalAfter, mib(rssBefore), mib(rssPeak.get()), mib(rssAfter), mib(heapBefore), mib(heapAfter));
        return new Phase(journalPeak.get(), journalAfter, heapBefore, heapAfter);
    }

    private void send(MqttClientBus bus, String id, byte[] payload) throws InterruptedException {
        if (!window.tryAcquire(120, TimeUnit.SECONDS)) {
            throw new AssertionError("no result for 120 s; " + results.size() + " answered");
        }
        bus.publish(new BusMessage("hybridfog/samples/" + DEVICE, payload, null, id.getBytes(UTF_8), null, Map.of()));
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    /** This JVM's resident set (gateway, device client and test together), bytes; 0 where /proc is missing. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    private static MqttClientBus bus(MosquittoBroker broker, String clientId, List<AutoCloseable> toClose) throws Exception {
        MqttClientBus b = MqttClientBus.start(MqttBusSettings.of(broker.url(), clientId).withConnectTimeoutS(5));
        toClose.add(b);
        assertTrue(b.awaitConnected(10_000), clientId + " did not connect:\n" + broker.log());
        return b;
    }
}
