package io.hybridfog.edge.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.mqtt.testing.MosquittoBroker;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault test: the cloud worker goes away for 30 s mid-stream and comes back. Offloaded samples are answered by the
 * early exit after the offload timeout ({@code EDGE_FALLBACK}); once the worker is back the cloud answers again.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CloudOutageTest {
    private static final long OUTAGE_MS = Long.getLong("hybridfog.fault.outage.ms", 30_000);

    @Test
    void cloudAwayFor30sMeansFallbackAnswersThenCloudAnswersAgainAndNothingIsLost() throws Exception {
        try (MosquittoBroker broker = FaultHarness.secureBroker();
             FaultHarness h = new FaultHarness(broker, 0.05, 2_000, 10_000, 64)) {
            h.stream(1000, answered -> { }); // cloud up
            int cloudBefore = h.byExit().getOrDefault("CLOUD", 0);
            h.stopCloud();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OUTAGE_MS);
            int during = 0;
            while (System.nanoTime() < end) {
                h.stream(100, answered -> { });
                during += 100;
            }
            int fallbacks = h.byExit().getOrDefault("EDGE_FALLBACK", 0);
            h.startCloud();
            h.stream(2000, answered -> { }); // cloud back
            h.awaitAnswers(60_000);
            System.out.println("cloud away " + OUTAGE_MS + " ms (" + during + " samples sent meanwhile): " + h.summary());
            h.assertNothingLostAndOneAnswerEach();
            assertTrue(cloudBefore > 0, "cloud answered before the outage: " + h.summary());
            assertTrue(fallbacks > 0, "early-exit fallbacks during the outage: " + h.summary());
            assertTrue(h.byExit().getOrDefault("CLOUD", 0) > cloudBefore, "cloud answered after it came back: " + h.summary());
            assertEquals(0, h.gateway.metrics().snapshot().errorTotal(), h.summary());
        }
    }
}
