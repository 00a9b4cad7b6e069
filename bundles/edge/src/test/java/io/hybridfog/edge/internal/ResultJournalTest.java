package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.PublishRefusedException;
import io.hybridfog.mqtt.testing.InMemoryMessageBus;
import java.io.IOException;
import java.nio.file.Path;
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
        return new ResultJournal(bus, dir, capacity, 60_000, "test", published, failed);
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

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            Thread.sleep(10);
        }
    }
}
