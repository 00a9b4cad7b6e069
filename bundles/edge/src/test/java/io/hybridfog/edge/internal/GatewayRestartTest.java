package io.hybridfog.edge.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.mqtt.testing.MosquittoBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault test: the gateway is restarted twice while a device streams real Fashion-MNIST images, over TLS with the
 * ACL on, everything on persistent MQTT 5 sessions and the broker with persistence (as config/mosquitto runs it).
 * <ol>
 * <li>Broker up: the gateway stops mid-stream; samples published meanwhile wait in its session.</li>
 * <li>Results pending: the broker stops first, so the results of the samples the gateway still holds cannot be
 * published; the gateway stops with them in its journal on disk, the broker comes back, a new gateway starts on the
 * same journal and sends them; the samples the broker redelivers (never acknowledged) are recognized as answered.</li>
 * </ol>
 * Asserted: no sample lost, none answered twice with different results, and results really were pending on disk.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GatewayRestartTest {
    private static final int SAMPLES = Integer.getInteger("hybridfog.fault.samples", 10_000) * 6 / 10;

    @Test
    void gatewayRestartedMidStreamAndWithResultsPendingLosesNothingAndAnswersEachSampleOnce() throws Exception {
        Path persistence = Files.createTempDirectory("hybridfog-mosquitto-db-");
        try (MosquittoBroker broker = FaultHarness.secureBroker("persistence true",
                "persistence_location " + persistence.toAbsolutePath() + "/", "autosave_interval 1");
             FaultHarness h = new FaultHarness(broker, 0.05, 60_000, 10_000, 64)) {
            int[] phase = {0};
            int[] pendingAtStop = {-1};
            h.stream(SAMPLES, answered -> {
                if (phase[0] == 0 && answered >= SAMPLES / 3) {
                    phase[0] = 1;
                    h.restartGateway(a -> Thread.sleep(1000));
                } else if (phase[0] == 1 && answered >= 2 * SAMPLES / 3) {
                    phase[0] = 2;
                    broker.stop();
                    EdgeGateway stopping = h.gateway;
                    h.restartGateway(a -> {
                        pendingAtStop[0] = stopping.resultsAwaitingBroker();
                        broker.startAgain();
                    });
                }
            });
            h.awaitAnswers(120_000);
            System.out.println("gateway restarts (" + pendingAtStop[0] + " results pending on disk at the second): "
                    + h.summary());
            h.assertNothingLostAndOneAnswerEach();
            assertEquals(2, phase[0], "both restarts happened");
            assertTrue(pendingAtStop[0] > 0, "the second restart had results pending: " + pendingAtStop[0]);
            assertEquals(0, h.gateway.metrics().snapshot().errorTotal(), h.summary());
        }
    }
}
