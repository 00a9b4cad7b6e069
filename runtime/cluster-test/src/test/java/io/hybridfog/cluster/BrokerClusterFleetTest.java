package io.hybridfog.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * HybridFog on a two-node ActiveMQ Artemis cluster (MQTT 5, {@link ArtemisNode}): the packaged gateways 1 and 2 and
 * their devices (dev-1 at site-1, dev-2 at site-2) on node 1, cloud workers 1 and 2 on node 1 and 3 and 4 on node
 * 2, all sharing {@code $share/hybridfog-cloud/hybridfog/offload/+}. The gateways use the {@code cloud-only} exit
 * policy, so every sample crosses the cluster's shared subscription. From the devices' view every sample must be
 * answered, never twice with different results (identical repeats are allowed: devices drop them by sample id), and
 * with PyTorch's class for its image and exit. The last test gives everyone both nodes and kills node 1 for good.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrokerClusterFleetTest {
    private static final Map<String, String> GATEWAY = Map.of("exit.policy", "cloud-only", "exit.threshold", "0");
    @TempDir
    static Path work;
    private static BrokerCluster cluster;
    private static Fleet fleet;

    @BeforeAll
    static void startClusterAndFleet() throws Exception {
        cluster = BrokerCluster.start(work.resolve("brokers"));
        fleet = new Fleet(work);
        fleet.startGateway(1, cluster.url(1), GATEWAY);
        fleet.startGateway(2, cluster.url(1), GATEWAY);
        fleet.startCloud(1, cluster.url(1), Map.of());
        fleet.startCloud(2, cluster.url(1), Map.of());
        fleet.startCloud(3, cluster.url(2), Map.of());
        fleet.startCloud(4, cluster.url(2), Map.of());
        fleet.awaitReady(120_000);
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {fleet, cluster}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** Offloads of both gateways reach all four workers, those on node 2 through the cluster. */
    @Test
    @Order(1)
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void offloadsAreSharedAcrossWorkersOnBothNodes() throws Exception {
        Map<Integer, Long> before = answeredByWorker(1, 2, 3, 4);
        FleetTraffic t = FleetTraffic.run(cluster.url(1), 2, 400, 0, List.of());
        Map<Integer, Long> delta = delta(before, answeredByWorker(1, 2, 3, 4));
        System.out.println("shared across nodes: " + t.summary() + "; answered by worker " + delta);
        assertEveryAnswerRight(t);
        long cloud = t.byExit().getOrDefault("CLOUD", 0);
        long byWorkers = delta.values().stream().mapToLong(Long::longValue).sum();
        assertTrue(byWorkers >= cloud, "workers answered " + byWorkers + " requests, devices got " + cloud + " CLOUD answers");
        delta.forEach((worker, n) -> assertTrue(n > 0, "cloud-" + worker + " answered nothing: " + delta));
    }

    /** A worker on node 2 killed (SIGKILL) mid-stream: what it had taken is answered by the others. */
    @Test
    @Order(2)
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void workerKilledMidStreamLosesNothing() throws Exception {
        FleetTraffic t = FleetTraffic.run(cluster.url(1), 2, 600, 0,
                List.of(new FleetTraffic.Fault(400, () -> fleet.killCloud(4))));
        System.out.println("cloud-4 (node 2) killed after 400 samples: " + t.summary());
        assertEveryAnswerRight(t);
        assertTrue(t.cloudAnswersAmongLast(100) > 0, "the other workers did not answer: " + t.summary());
        fleet.restartCloud(4);
        fleet.awaitReady(60_000);
    }

    /**
     * Node 2 killed (SIGKILL) mid-stream with workers 3 and 4 on it, started again 10 s later: the offloads it held
     * are answered by the early exit after offload.timeout.ms (EDGE_FALLBACK), the rest by the workers on node 1;
     * after the restart the workers on node 2 answer again.
     */
    @Test
    @Order(3)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void nodeKilledMidStreamLosesNothing() throws Exception {
        int perSecond = 20;
        FleetTraffic t = FleetTraffic.run(cluster.url(1), 2, perSecond * 25, perSecond, List.of(
                new FleetTraffic.Fault(2 * perSecond * 5, () -> cluster.kill(2)),
                new FleetTraffic.Fault(2 * perSecond * 15, () -> cluster.restart(2))));
        System.out.println("node 2 killed after 5 s, restarted after 15 s: " + t.summary());
        assertEveryAnswerRight(t);
        assertTrue(t.cloudAnswersAmongLast(perSecond * 5) > 0, "no CLOUD answer at the end: " + t.summary());

        // workers 3 and 4 reconnect to node 2 (their only broker URL) and take offloads again
        Map<Integer, Long> before = answeredByWorker(3, 4);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Map<Integer, Long> delta;
        int round = 0;
        do {
            FleetTraffic more = FleetTraffic.run(cluster.url(1), 2, 50, 0, List.of());
            round++;
            assertEquals(more.sent(), more.answered(), "after the restart: " + more.summary());
            delta = delta(before, answeredByWorker(3, 4));
        } while (delta.values().stream().mapToLong(Long::longValue).sum() == 0 && System.nanoTime() < deadline);
        System.out.println("after node 2's restart (" + round + " rounds of 100 samples): answered by worker " + delta);
        assertTrue(delta.values().stream().mapToLong(Long::longValue).sum() > 0,
                "workers on node 2 answered nothing after its restart" + fleet.outputs());
    }

    /**
     * Fail-over: gateways 1 and 2, cloud workers 1 and 2 and both devices are given both nodes, node 1 first
     * ({@code broker.url=<node 1>,<node 2>}), so all start on node 1. Node 1 is killed (SIGKILL) mid-stream: every
     * service moves to node 2 and stays there, the devices publish again what they have no answer for (the gateways
     * answer each sample id once), and from the devices' view every sample is answered once (identical repeats
     * allowed). Node 1 is started again 10 s later: a result it had taken and not delivered when it died reaches its
     * device from there (the gateway does not answer a repeat of an answered sample). Runs last: it replaces the fleet.
     */
    @Test
    @Order(4)
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void givenBothNodesEveryoneMovesToNode2WhenNode1Dies() throws Exception {
        String both = cluster.url(1) + "," + cluster.url(2);
        fleet.stopAll();
        fleet.startGateway(1, both, GATEWAY);
        fleet.startGateway(2, both, GATEWAY);
        fleet.startCloud(1, both, Map.of());
        fleet.startCloud(2, both, Map.of());
        fleet.awaitReady(120_000);
        fleet.awaitPrinted("connected to " + cluster.url(1) + " (", 10_000);

        List<Device> devices = List.of(new Device(both, "site-1", "dev-1", 64), new Device(both, "site-2", "dev-2", 64));
        try {
            devices.forEach(d -> assertEquals(cluster.url(1), d.connectedTo(), d.id()));
            int perSecond = 20;
            FleetTraffic t = FleetTraffic.run(devices, perSecond * 25, perSecond, List.of(
                    new FleetTraffic.Fault(2 * perSecond * 5, () -> cluster.kill(1)),
                    new FleetTraffic.Fault(2 * perSecond * 15, () -> cluster.restart(1))));
            System.out.println("node 1 killed after 5 s, restarted after 15 s: " + t.summary() + "; devices published again "
                    + devices.stream().mapToInt(Device::resent).sum() + " unanswered samples");
            assertEveryAnswerRight(t);
            devices.forEach(d -> assertEquals(cluster.url(2), d.connectedTo(), d.id() + " is not on node 2"));
            fleet.awaitPrinted("reconnected to " + cluster.url(2) + " (", 30_000);
            assertTrue(t.cloudAnswersAmongLast(perSecond * 5) > 0, "no CLOUD answer at the end: " + t.summary());
        } finally {
            devices.forEach(Device::close);
        }

        // the gateways and both workers, on node 2 now, serve devices there
        Map<Integer, Long> before = answeredByWorker(1, 2);
        FleetTraffic more = FleetTraffic.run(cluster.url(2), 2, 100, 0, List.of());
        Map<Integer, Long> delta = delta(before, answeredByWorker(1, 2));
        System.out.println("after the fail-over, devices on node 2: " + more.summary() + "; answered by worker " + delta);
        assertEveryAnswerRight(more);
        delta.forEach((worker, n) -> assertTrue(n > 0, "cloud-" + worker + " answered nothing after the fail-over: " + delta
                + fleet.outputs()));
    }

    private static void assertEveryAnswerRight(FleetTraffic t) {
        String context = "\n" + t.summary() + fleet.outputs();
        assertEquals(t.sent(), t.answered(), "samples lost" + context);
        assertEquals(0, t.conflicting(), "samples answered twice with different results" + context);
        List<String> wrong = t.wrongPredictions();
        assertTrue(wrong.isEmpty(), wrong.size() + " answers not PyTorch's, e.g. " + wrong.subList(0, Math.min(5, wrong.size())) + context);
    }

    private static Map<Integer, Long> answeredByWorker(int... workers) throws Exception {
        Map<Integer, Long> m = new TreeMap<>();
        for (int w : workers) {
            m.put(w, fleet.cloudAnswered(w));
        }
        return m;
    }

    private static Map<Integer, Long> delta(Map<Integer, Long> before, Map<Integer, Long> after) {
        Map<Integer, Long> m = new TreeMap<>();
        after.forEach((w, n) -> m.put(w, n - before.getOrDefault(w, 0L)));
        return m;
    }
}
