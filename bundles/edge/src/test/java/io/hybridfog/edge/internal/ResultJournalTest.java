package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.PublishRefusedException;
import io.hybridfog.mqtt.testing.InMemoryMessageBus;
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

    private ResultJournal open(InMemoryMessageBus bus, Path dir) {
        return new ResultJournal(bus, dir, 1000, 60_000, "test", published, failed);
    }

    private static BusMessage result(String id) {
        return new BusMessage("hybridfog/results/dev-1", ("{\"sampleId\":\"" + id + "\"}").getBytes(UTF_8), null,
                id.getBytes(UTF_8), "application/json", Map.of());
    }

    @Test
    void aResultTheBrokerNeverGotIsSentByTheNextRunAndItsSampleIsNotAnsweredAgain(@TempDir Path dir) throws Exception {
        AtomicInteger acks = new AtomicInteger();
        try (InMemoryMessageBus down = new InMemoryMessageBus()) {
            down.failPublishesTo(t -> true); // broker unreachable
            ResultJournal journal = open(down, dir);
            assertEquals(ResultJournal.Admission.NEW, journal.admit("dev-1\u0000s-1", acks::incrementAndGet));
            journal.record("dev-1\u0000s-1", result("s-1"), acks::incrementAndGet);
            waitUntil(() -> acks.get() == 1); // acknowledged once it is on disk, not sent
            journal.close();
            assertEquals(1, journal.outboxSize());
            assertEquals(0, published.sum());
        }
        try (InMemoryMessageBus up = new InMemoryMessageBus()) {
            ResultJournal again = open(up, dir);
            waitUntil(() -> published.sum() == 1);
            assertEquals("s-1", new String(up.published().get(0).correlationData(), UTF_8));
            // the broker redelivers the sample (its PUBACK never arrived): recognized, acknowledged, not processed
            assertEquals(ResultJournal.Admission.ANSWERED, again.admit("dev-1\u0000s-1", acks::incrementAndGet));
            assertEquals(2, acks.get());
            waitUntil(() -> again.outboxSize() == 0);
            again.close();
        }
    }

    @Test
    void aCopyArrivingWhileTheFirstIsInProgressIsAcknowledgedWithIt() throws Exception {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger copy = new AtomicInteger();
        try (InMemoryMessageBus bus = new InMemoryMessageBus(); ResultJournal journal = open(bus, null)) {
            assertEquals(ResultJournal.Admission.NEW, journal.admit("d\u0000a", first::incrementAndGet));
            assertEquals(ResultJournal.Admission.IN_PROGRESS, journal.admit("d\u0000a", copy::incrementAndGet));
            Thread.sleep(50);
            assertEquals(0, first.get() + copy.get(), "nothing acknowledged before the result is recorded");
            journal.record("d\u0000a", result("a"), first::incrementAndGet);
            waitUntil(() -> first.get() == 1 && copy.get() == 1);
            waitUntil(() -> published.sum() == 1);
            assertEquals(1, bus.published().size());
        }
    }

    @Test
    void aResultTheBrokerRefusesForGoodIsDroppedAndCountedWhileOneThatFailedForWantOfAConnectionIsSentAgain()
            throws Exception {
        try (InMemoryMessageBus bus = new InMemoryMessageBus(); ResultJournal journal = open(bus, null)) {
            bus.failPublishesTo(t -> true, t -> new PublishRefusedException(t, 0x87));
            journal.record(null, result("refused"), () -> { });
            waitUntil(() -> failed.sum() == 1);
            waitUntil(() -> journal.outboxSize() == 0);

            bus.failPublishesTo(t -> true, t -> new java.io.IOException("not connected")); // transient
            journal.record(null, result("later"), () -> { });
            Thread.sleep(200);
            assertEquals(1, journal.outboxSize());
            bus.failPublishesTo(t -> false);
            waitUntil(() -> published.sum() == 1); // the retry every 2 s
            assertEquals(0, journal.outboxSize());
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
