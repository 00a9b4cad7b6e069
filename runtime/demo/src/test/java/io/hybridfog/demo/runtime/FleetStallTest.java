package io.hybridfog.demo.runtime;

import io.hybridfog.demo.data.FashionMnistTestSet;
import io.hybridfog.demo.data.TestSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replay nobody answers stops within its stall timeout and names the unanswered samples, instead of waiting
 * forever: a real embedded broker (the one demo and bench start) and a device fleet, but no gateway.
 */
class FleetStallTest {

    @Test
    @Timeout(120)
    void replayWithoutGatewayStopsAfterTheStallTimeout(@TempDir Path work) throws Exception {
        Path home = Path.of(System.getProperty("hybridfog.home", "../..")).toAbsolutePath().normalize();
        TestSet testSet = FashionMnistTestSet.load(home, 40);
        try (EmbeddedBroker broker = EmbeddedBroker.start(work.resolve("broker"));
             DeviceFleet fleet = new DeviceFleet(broker.url(), 2, 4, testSet, RuntimeStack.SAMPLES_PREFIX, RuntimeStack.RESULTS_PREFIX)) {
            long t0 = System.nanoTime();
            DeviceFleet.StalledException sending = assertThrows(DeviceFleet.StalledException.class, () -> fleet.replay(40, 1500));
            double s = (System.nanoTime() - t0) / 1e9;
            assertTrue(s >= 1.5 && s < 10, "replay stopped after " + s + " s");
            assertEquals(40, sending.unanswered());
            assertEquals("no sample sent or answered for 1.5 s while sending: 40 of 40 samples unanswered "
                    + "(8 sent and waiting for their result, 32 not sent yet)", sending.getMessage());

            t0 = System.nanoTime();
            DeviceFleet.StalledException waiting = assertThrows(DeviceFleet.StalledException.class,
                    () -> fleet.awaitAll(40, 60_000, 1000));
            s = (System.nanoTime() - t0) / 1e9;
            assertTrue(s < 5, "awaitAll stopped after " + s + " s");
            assertTrue(waiting.getMessage().startsWith("no sample sent or answered for 1 s waiting for the last results: "
                    + "40 of 40 samples unanswered"), waiting.getMessage());
        }
    }
}
