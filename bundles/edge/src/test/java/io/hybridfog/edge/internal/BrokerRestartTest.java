package io.hybridfog.edge.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hybridfog.mqtt.testing.MosquittoBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault test: the broker (Mosquitto with persistence, as config/mosquitto runs it) is stopped and started again
 * while a device streams 10,000 real Fashion-MNIST images through a gateway and a cloud worker, all on persistent
 * MQTT 5 sessions (clean start false, session expiry 300 s).
 *
 * <p>Asserted: no sample is lost, and the gateway answers each sample once: every copy a device receives of a
 * sample's result is byte-identical (QoS 1 is at least once: a result whose PUBACK was lost in the outage is
 * delivered again; devices drop a result for a sample id they have seen, docs/reliability.md).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BrokerRestartTest {
    private static final int SAMPLES = Integer.getInteger("hybridfog.fault.samples", 10_000);

    @Test
    void brokerStoppedAndStartedMidStreamLosesNothingAndAnswersEachSampleOnce() throws Exception {
        Path persistence = Files.createTempDirectory("hybridfog-mosquitto-db-");
        try (MosquittoBroker broker = FaultHarness.secureBroker("persistence true",
                "persistence_location " + persistence.toAbsolutePath() + "/", "autosave_interval 1");
             // a quarter of the samples is offloaded; a generous offload timeout: late cloud answers, not fallbacks
             FaultHarness h = new FaultHarness(broker, 0.05, 60_000, 10_000, 64)) {
            int restartAt = SAMPLES / 3;
            long[] downMs = {-1};
            h.stream(SAMPLES, answered -> {
                if (downMs[0] < 0 && answered >= restartAt) {
                    long t0 = System.nanoTime();
                    broker.stop();
                    Thread.sleep(2000);
                    broker.startAgain();
                    downMs[0] = (System.nanoTime() - t0) / 1_000_000;
                }
            });
            h.awaitAnswers(120_000);
            System.out.println("broker restart (down " + downMs[0] + " ms) after " + restartAt + " answers: " + h.summary());
            h.assertNothingLostAndOneAnswerEach();
            assertEquals(0, h.gateway.metrics().snapshot().errorTotal(), h.summary());
        }
    }
}
