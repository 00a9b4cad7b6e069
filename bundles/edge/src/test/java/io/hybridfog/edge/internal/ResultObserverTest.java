package io.hybridfog.edge.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitPoint;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.metrics.ResultObserver;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.edge.GatewayMetrics;
import io.hybridfog.mqtt.testing.InMemoryMessageBus;
import io.hybridfog.policy.EntropyPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What monitoring reads from a gateway: every result through {@link ResultObserver}s, and the journal's usage. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResultObserverTest {
    private final InMemoryMessageBus bus = new InMemoryMessageBus();
    private final BlockingQueue<BusMessage> published = new LinkedBlockingQueue<>();
    private final List<EdgePartition> edges = new CopyOnWriteArrayList<>(List.of(new TestModels.FakeEdge("m", "1.0.0")));
    private final List<ResultObserver> observers = new CopyOnWriteArrayList<>();
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private EdgeGateway gateway;

    @TempDir
    Path journalDir;

    @AfterEach
    void tearDown() {
        if (gateway != null) {
            gateway.close();
        }
        bus.close();
    }

    private void sample(String sampleId, byte[] payload) {
        bus.publish(new BusMessage("hybridfog/samples/dev-1", payload, null, sampleId.getBytes(UTF_8), null, Map.of()));
    }

    private InferenceResult next() throws Exception {
        BusMessage m = published.poll(5, TimeUnit.SECONDS);
        assertNotNull(m, "no result");
        return ResultCodec.fromJson(m.payload());
    }

    @Test
    void everyResultIsSeenOnceAsPublishedAndAFailingObserverChangesNothing() throws Exception {
        List<InferenceResult> results = new ArrayList<>();
        observers.add((gatewayId, r) -> {
            throw new IllegalStateException("observer bug");
        });
        observers.add((gatewayId, r) -> {
            seen.add(gatewayId + " " + r.sampleId() + " " + r.exit() + " " + r.error() + " " + r.latencyMs() + " " + r.energyPj());
        });
        bus.subscribe("hybridfog/results/+", published::add);
        GatewaySettings settings = GatewaySettings.of("gw-1", "m").withJournalDir(journalDir.toString());
        gateway = new EdgeGateway(bus, () -> edges, () -> List.of(new EntropyPolicy()), new TestModels.Energy(), settings,
                () -> observers);
        gateway.start();

        sample("s-1", TestModels.pixels(255)); // confident: edge
        results.add(next());
        sample("s-2", "not an image".getBytes(UTF_8)); // MALFORMED_PAYLOAD
        results.add(next());
        sample("s-1", TestModels.pixels(255)); // a redelivery: dropped, no result, not observed
        assertNull(published.poll(300, TimeUnit.MILLISECONDS));

        assertEquals(ExitPoint.EDGE, results.get(0).exit());
        assertEquals(ErrorCode.MALFORMED_PAYLOAD, results.get(1).error());
        List<String> expected = results.stream().map(r -> "gw-1 " + r.sampleId() + " " + r.exit() + " " + r.error() + " "
                + r.latencyMs() + " " + r.energyPj()).toList();
        assertEquals(expected, seen, "the observer sees exactly the published results, latency and energy included");
        assertEquals(1, gateway.metrics().snapshot().duplicates());

        GatewayMetrics.JournalUsage j = gateway.metrics().journal();
        assertEquals(settings.journalMaxBytes(), j.limitBytes());
        assertTrue(j.diskBytes() > 0, "journal on disk: " + j);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (gateway.metrics().journal().outboxResults() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, gateway.metrics().journal().outboxResults(), "both results acknowledged by the bus");
        assertEquals(0, gateway.metrics().journal().inboxBytes(), "no sample left unanswered");
    }
}
