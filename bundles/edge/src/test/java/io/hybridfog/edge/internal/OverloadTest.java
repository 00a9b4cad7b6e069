package io.hybridfog.edge.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.edge.GatewayMetrics;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault test: offered load at 10x the rate the gateway sustains. The sustainable rate is measured first (a
 * device with 64 samples in flight); then the device publishes at ten times that rate for a few seconds without
 * waiting for answers. Every sample must get one answer (a classification or OVERLOADED), the gateway's queue stays
 * within its capacity, and afterwards the gateway serves normally again.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OverloadTest {
    private static final int QUEUE = 200;

    @Test
    void tenTimesTheSustainableRateGetsExplicitRejectionsBoundedQueuesAndRecovers() throws Exception {
        // every sample exits at the edge: the gateway's own ceiling, not the cloud's
        try (MosquittoBroker broker = FaultHarness.secureBroker("max_queued_messages 100000");
             FaultHarness h = new FaultHarness(broker, 10.0, 5_000, QUEUE, 64)) {
            long t0 = System.nanoTime();
            h.stream(3000, answered -> { });
            h.awaitAnswers(60_000);
            double sustainable = 3000 / ((System.nanoTime() - t0) / 1e9);

            int burst = (int) Math.min(40_000, sustainable * 10 * 3); // 3 s at 10x
            long intervalNanos = (long) (1e9 / (sustainable * 10));
            int maxQueued = 0;
            long start = System.nanoTime();
            Runtime rt = Runtime.getRuntime();
            long heapBefore = rt.totalMemory() - rt.freeMemory();
            long heapMax = heapBefore;
            for (int i = 0; i < burst; i++) {
                long due = start + i * intervalNanos;
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                h.publish();
                if (i % 100 == 0) {
                    maxQueued = Math.max(maxQueued, h.gateway.metrics().snapshot().queued());
                    heapMax = Math.max(heapMax, rt.totalMemory() - rt.freeMemory());
                }
            }
            double offered = burst / ((System.nanoTime() - start) / 1e9);
            h.awaitAnswers(120_000);
            GatewayMetrics.Snapshot afterBurst = h.gateway.metrics().snapshot();
            int overloadedInBurst = h.byExit().getOrDefault("error OVERLOADED", 0);

            int before = h.answered();
            h.stream(1000, answered -> { }); // recovery, at the sustainable pace
            h.awaitAnswers(60_000);
            int overloadedAfter = h.byExit().getOrDefault("error OVERLOADED", 0) - overloadedInBurst;
            String report = String.format("overload: sustainable %.0f samples/s, offered %.0f samples/s (%d samples); "
                            + "max queued %d of %d; heap %d -> max %d MiB; OVERLOADED %d; after: %d more answered, %d "
                            + "OVERLOADED; %s", sustainable, offered, burst, maxQueued, QUEUE, heapBefore >> 20,
                    heapMax >> 20, overloadedInBurst, h.answered() - before, overloadedAfter, h.summary());
            System.out.println(report);
            h.assertNothingLostAndOneAnswerEach();
            assertTrue(overloadedInBurst > 0, "explicit rejections under overload: " + report);
            assertTrue(maxQueued <= QUEUE, report);
            assertEquals(0, overloadedAfter, "recovered: " + report);
            assertEquals(afterBurst.queued(), 0, report);
        }
    }
}
