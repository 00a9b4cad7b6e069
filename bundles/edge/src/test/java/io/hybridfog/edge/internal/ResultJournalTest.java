package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.PublishRefusedException;
import io.hybridfog.mqtt.testing.InMemoryMessageBus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResultJournalTest {
    private final LongAdder published = new LongAdder();
    private final LongAdder failed = new LongAdder();

    private ResultJournal open(InMemoryMessageBus bus, Path dir, int capacity) {
        return new ResultJournal(bus, dir, capacity, 60_000, 64L << 20, "test", published, failed);
    }

    private static BusMessage sample(String id) {
        return new BusMessage("hybridfog/samples/dev-1", new byte[] {1, 2, 3}, null, id.getBytes(UTF_8), null,
                Map.of("model", "m"));
    }

    private static BusMessage result(String id) {
        return new BusMessage("hybridfog/results/dev-1", ("{\"sampleId\":\"" + id + "\"}").getBytes(UTF_8), null,
                id.getBytes(UTF_8), "application/json", Map.of());
    }

    @Test
    void aSampleIsAcknowledgedOnceOnDiskAndTheNextRunAnswersItIfThisOneDidNot(@TempDir Path dir) throws Exception {
        AtomicInteger acks = new AtomicInteger();
        try (InMemoryMessageBus bus = new InMemoryMessageBus()) {
            ResultJournal journal = open(bus, dir, 1000);
            assertEquals(ResultJournal.Admission.NEW, journal.admit("dev-1\u0000a", sample("a"), acks::incrementAndGet));
            waitUntil(() -> acks.get() == 1); // on disk: acknowledged, though not answered
            journal.close();
        }
        try (InMemoryMessageBus bus = new InMemoryMessageBus()) {
            ResultJournal again = open(bus, dir, 1000);
            assertEquals(1, again.unanswered().size());
            ResultJournal.Unanswered u = again.unanswered().get(0);
            assertEquals("dev-1\u0000a", u.key());
            assertEquals(Map.of("model", "m"), u.sample().userProperties());
            assertEquals("a", new String(u.sample().correlationData(), UTF_8));
            // a redelivered copy while it waits for its answer: acknowledged, not taken again
            assertEquals(ResultJournal.Admission.IN_PROGRESS, again.admit(u.key(), u.sample(), acks::incrementAndGet));
            again.record(u.key(), result("a"));
            waitUntil(() -> published.sum() == 1 && acks.get() == 2);
            assertEquals(ResultJournal.Admission.ANSWERED, again.admit(u.key(), u.sample(), acks::incrementAndGet));
            assertEquals(3, acks.get());
            again.close();
        }
        try (InMemoryMessageBus bus = new InMemoryMessageBus()) {
            ResultJournal third = open(bus, dir, 1000);
            assertEquals(0, third.unanswered().size());
            assertEquals(ResultJournal.Admission.ANSWERED, third.admit("dev-1\u0000a", sample("a"), acks::incrementAndGet));
            third.close();
        }
    }

    @Test
    void aResultTheBrokerNeverGotIsSentByTheNextRun(@TempDir Path dir) throws Exception {
        try (InMemoryMessageBus down = new InMemoryMessageBus()) {
            down.failPublishesTo(t -> true, t -> new IOException("not connected"));
            ResultJournal journal = open(down, dir, 1000);
            journal.admit("dev-1\u0000b", sample("b"), () -> { });
            journal.record("dev-1\u0000b", result("b"));
            Thread.sleep(100);
            journal.close();
            assertEquals(1, journal.outboxSize());
            assertEquals(0, published.sum());
        }
        try (InMemoryMessageBus up = new InMemoryMessageBus()) {
            ResultJournal again = open(up, dir, 1000);
            waitUntil(() -> published.sum() == 1);
            assertEquals("b", new String(up.published().get(0).correlationData(), UTF_8));
            assertEquals(0, again.unanswered().size());
            waitUntil(() -> again.outboxSize() == 0);
            again.close();
        }
    }

    @Test
    void aResultRefusedForGoodIsDroppedOneThatFailedForWantOfAConnectionIsSentAgainAndAFullOutboxTakesNoSample()
            throws Exception {
        try (InMemoryMessageBus bus = new InMemoryMessageBus(); ResultJournal journal = open(bus, null, 2)) {
            bus.failPublishesTo(t -> true, t -> new PublishRefusedException(t, 0x87));
            journal.admit("k1", sample("1"), () -> { });
            journal.record("k1", result("1"));
            waitUntil(() -> failed.sum() == 1 && journal.outboxSize() == 0);

            bus.failPublishesTo(t -> true, t -> new IOException("not connected"));
            for (String k : new String[] {"k2", "k3"}) {
                journal.admit(k, sample(k), () -> { });
                journal.record(k, result(k));
            }
            Thread.sleep(100);
            assertEquals(2, journal.outboxSize());
            assertEquals(ResultJournal.Admission.FULL, journal.admit("k4", sample("4"), () -> { }));
            bus.failPublishesTo(t -> false);
            waitUntil(() -> published.sum() == 2); // the retry every 2 s
            assertEquals(0, journal.outboxSize());
            assertEquals(ResultJournal.Admission.NEW, journal.admit("k4", sample("4"), () -> { }));
        }
    }

    @Test
    void theEncodedSizeIsKnownBeforeEncodingAndAStringTooLongToJournalIsRecognized() {
        String unicode = "d\u00e9v-\u20ac-\uD83D\uDE00-\u0000";
        List<BusMessage> messages = List.of(sample("a"),
                new BusMessage("hybridfog/samples/" + unicode, new byte[0], null, null, null, Map.of()),
                new BusMessage("t", null, null, new byte[] {(byte) 0xff}, "image/png", Map.of(unicode, unicode, "k", "")),
                new BusMessage("t", new byte[70_000], null, new byte[40_000], null, Map.of("k", "x".repeat(65_535))));
        for (BusMessage m : messages) {
            assertEquals(ResultJournal.encode(m).length, ResultJournal.encodedSize(m), m.topic());
        }
        assertEquals(-1, ResultJournal.encodedSize(new BusMessage("t", new byte[1], null, null, null,
                Map.of("k", "\u20ac".repeat(21_846))))); // 65,538 bytes of UTF-8
        assertEquals(-1, ResultJournal.encodedSize(new BusMessage("t".repeat(65_536), new byte[1], null, null, null, Map.of())));
    }

    /**
     * A stream of 1 MiB samples through a journal of 16 MiB: the file never exceeds its limit, samples that do not fit
     * are refused without writing anything (NO_SPACE), and once everything is answered the space is given back.
     */
    @Test
    void theFileStaysUnderItsLimitRefusesWhatDoesNotFitAndGivesTheSpaceBack(@TempDir Path dir) throws Exception {
        long max = 16L << 20;
        byte[] payload = new byte[1 << 20];
        new java.util.Random(1).nextBytes(payload);
        try (InMemoryMessageBus bus = new InMemoryMessageBus()) {
            ResultJournal journal = new ResultJournal(bus, dir, 1000, 60_000, max, "test", published, failed);
            long peak = 0;
            int taken = 0;
            int refused = 0;
            java.util.ArrayDeque<String> waiting = new java.util.ArrayDeque<>();
            for (int i = 0; i < 300; i++) {
                String key = "dev-1\u0000" + i;
                BusMessage m = new BusMessage("hybridfog/samples/dev-1", payload, null, ("" + i).getBytes(UTF_8), null, Map.of());
                long filesBefore = sampleFiles(dir);
                ResultJournal.Admission a = journal.admit(key, m, () -> { });
                if (a == ResultJournal.Admission.NEW) {
                    taken++;
                    waiting.add(key);
                } else {
                    assertEquals(ResultJournal.Admission.NO_SPACE, a);
                    refused++;
                    // nothing of it was taken: another copy is not "in progress", and no sample file was written
                    assertEquals(ResultJournal.Admission.NO_SPACE, journal.admit(key, m, () -> { }));
                    assertTrue(sampleFiles(dir) <= filesBefore, "a refused sample wrote a file"); // answered ones may go
                    for (int n = 0; n < 3 && !waiting.isEmpty(); n++) { // the gateway catches up
                        String k = waiting.poll();
                        journal.record(k, result(k));
                    }
                }
                if (waiting.size() > 14) { // answers follow the samples, 14 behind: more than the limit holds
                    String k = waiting.poll();
                    journal.record(k, result(k));
                }
                Thread.sleep(2);
                peak = Math.max(peak, diskBytes(dir));
                assertTrue(peak <= max, "journal file " + peak + " bytes, limit " + max);
            }
            for (String k : waiting) {
                journal.record(k, result(k));
            }
            waitUntil(() -> journal.outboxSize() == 0);
            assertTrue(taken >= 100 && refused > 0, "taken " + taken + ", refused " + refused);
            assertEquals(taken, published.sum());
            long[] after = {0};
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((after[0] = diskBytes(dir)) > max / 8 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            System.out.printf("journal 16 MiB, 300 x 1 MiB: %d taken, %d refused, peak %d bytes, after %d bytes, "
                    + "%d compactions%n", taken, refused, peak, after[0], journal.compactions());
            assertTrue(after[0] <= max / 8, "the file is still " + after[0] + " bytes once everything was answered");
            journal.close();
        }
    }

    /** A full journal keeps every sample it took: after a restart they are all there to be answered. */
    @Test
    void aFullJournalKeepsEverySampleItTook(@TempDir Path dir) throws Exception {
        long max = 8L << 20;
        byte[] payload = new byte[256 << 10];
        int taken = 0;
        try (InMemoryMessageBus bus = new InMemoryMessageBus()) {
            ResultJournal journal = new ResultJournal(bus, dir, 1000, 60_000, max, "test", published, failed);
            int i = 0;
            ResultJournal.Admission a;
            while ((a = journal.admit("k" + i, new BusMessage("hybridfog/samples/dev-1", payload, null,
                    ("" + i).getBytes(UTF_8), null, Map.of()), () -> { })) == ResultJournal.Admission.NEW) {
                taken++;
                i++;
                Thread.sleep(12);
            }
            assertEquals(ResultJournal.Admission.NO_SPACE, a);
            Thread.sleep(1500); // a housekeeping round: it must not drop anything to make room
            assertEquals(ResultJournal.Admission.NO_SPACE, journal.admit("k-again", new BusMessage("hybridfog/samples/dev-1",
                    payload, null, "x".getBytes(UTF_8), null, Map.of()), () -> { }));
            assertTrue(diskBytes(dir) <= max, diskBytes(dir) + " bytes on disk");
            journal.close();
        }
        assertTrue(taken >= 16 && taken <= 24, "taken " + taken + " samples of 256 KiB in a journal of 8 MiB");
        try (InMemoryMessageBus bus = new InMemoryMessageBus()) {
            ResultJournal again = new ResultJournal(bus, dir, 1000, 60_000, max, "test", published, failed);
            assertEquals(taken, again.unanswered().size());
            again.close();
        }
    }

    /** Bytes of every file under the journal folder. */
    static long diskBytes(Path dir) {
        long n = 0;
        java.io.File[] files = dir.toFile().listFiles(); // files deleted meanwhile count 0
        for (java.io.File f : files == null ? new java.io.File[0] : files) {
            n += f.isDirectory() ? diskBytes(f.toPath()) : f.length();
        }
        return n;
    }

    private static long sampleFiles(Path dir) {
        String[] names = dir.resolve("samples").toFile().list();
        return names == null ? 0 : names.length;
    }

    /**
     * Results recorded at once from several threads ask for commits of their own (a result is committed as soon as
     * it is recorded, not at the next periodic commit): each is still published exactly once, after the commit that
     * makes its sample answered, and the journal's stage clock counts the commits and the publishing.
     */
    @Test
    void resultsRecordedConcurrentlyAreEachPublishedOnceAndTheirSamplesStayAnswered(@TempDir Path dir) throws Exception {
        int threads = 4;
        int perThread = 500;
        AtomicInteger acks = new AtomicInteger();
        StageClock stages = new StageClock();
        try (InMemoryMessageBus bus = new InMemoryMessageBus()) {
            ResultJournal journal = new ResultJournal(bus, dir, 100_000, 60_000, 64L << 20, "test", published, failed, stages);
            java.util.List<Thread> workers = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t * perThread;
                Thread w = new Thread(() -> {
                    for (int i = first; i < first + perThread; i++) {
                        String id = "s" + i;
                        assertEquals(ResultJournal.Admission.NEW, journal.admit("dev-1\u0000" + id, sample(id), acks::incrementAndGet));
                        journal.record("dev-1\u0000" + id, result(id));
                    }
                });
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                w.join();
            }
            waitUntil(() -> published.sum() == threads * perThread && acks.get() == threads * perThread);
            journal.close();
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (BusMessage m : bus.published()) {
                assertTrue(ids.add(new String(m.correlationData(), UTF_8)), "published twice: " + new String(m.correlationData(), UTF_8));
            }
            assertEquals(threads * perThread, ids.size());
            assertTrue(stages.snapshot().get(io.hybridfog.edge.GatewayMetrics.Stage.JOURNAL) > 0);
            assertTrue(stages.snapshot().get(io.hybridfog.edge.GatewayMetrics.Stage.MQTT) > 0);
        }
        try (InMemoryMessageBus bus = new InMemoryMessageBus()) {
            ResultJournal again = open(bus, dir, 100_000);
            assertEquals(0, again.unanswered().size());
            assertEquals(0, again.outboxSize());
            assertEquals(ResultJournal.Admission.ANSWERED, again.admit("dev-1\u0000s1999", sample("s1999"), acks::incrementAndGet));
            again.close();
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            Thread.sleep(10);
        }
    }
}
