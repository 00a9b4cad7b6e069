package io.hybridfog.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test (excluded from the build's test run): offload throughput of the fleet of
 * {@link BrokerClusterFleetTest} (two-node Artemis cluster, gateways 1 and 2 on node 1 with the {@code cloud-only}
 * exit policy, so every sample is offloaded) with 1, 2 and 4 cloud workers in two layouts: {@code spread} (worker k
 * on node 1 for odd k, node 2 for even k: from 2 workers on, half the requests and replies cross the cluster bridge)
 * and {@code node-1} (all workers on the gateways' node: nothing crosses it), which tells the cost of more workers
 * from the cost of the bridge.
 * <pre>
 * mvn -pl runtime/cluster-test test -Dtest=ClusterOffloadBenchmark [-Dhybridfog.bench.samples=1500]
 *     [-Dhybridfog.bench.rounds=2] [-Dhybridfog.bench.threads=1]
 * </pre>
 * First a warm-up run (2 workers, one per node, twice the samples of a measured run: the brokers' and gateways' CPU
 * per sample still falls by half over the first ten thousand samples), then per round, layout and worker count: the
 * workers are started ({@code workers=<threads>} inference threads each), 2 x 100 samples warm them up, then both
 * devices send {@code samples} samples each as fast as their 64-sample windows allow. Rounds interleave layouts and
 * worker counts. Prints, per run: samples/s (answered / seconds from the first sample to the last answer),
 * device-side latency p50/p99, and the CPU ms per answered sample of the brokers, gateways, cloud workers and the
 * devices (this JVM), from the processes' CPU time (surefire-reports/*ClusterOffloadBenchmark-output.txt).
 */
class ClusterOffloadBenchmark {
    private static final int[] WORKER_COUNTS = {1, 2, 4};
    private static final String[] LAYOUTS = {"spread", "node-1"};

    @Test
    void offloadThroughputBy1And2And4Workers(@TempDir Path work) throws Exception {
        int samples = Integer.getInteger("hybridfog.bench.samples", 1500);
        int rounds = Integer.getInteger("hybridfog.bench.rounds", 2);
        String threads = String.valueOf(Integer.getInteger("hybridfog.bench.threads", 1));
        List<String> rows = new ArrayList<>();
        Map<String, List<Double>> throughput = new LinkedHashMap<>();
        try (BrokerCluster cluster = BrokerCluster.start(work.resolve("brokers"));
             Fleet fleet = new Fleet(work)) {
            Map<String, String> gateway = Map.of("exit.policy", "cloud-only", "exit.threshold", "0");
            fleet.startGateway(1, cluster.url(1), gateway);
            fleet.startGateway(2, cluster.url(1), gateway);
            fleet.startCloud(1, cluster.url(1), Map.of("workers", threads));
            fleet.startCloud(2, cluster.url(2), Map.of("workers", threads));
            fleet.awaitReady(120_000);
            FleetTraffic warmUp = FleetTraffic.run(cluster.url(1), 2, 2 * samples, 0, List.of());
            System.out.println("warm-up, 2 workers: " + warmUp.summary());
            fleet.stopCloud(1);
            fleet.stopCloud(2);
            for (int round = 1; round <= rounds; round++) {
                for (String layout : LAYOUTS) {
                    for (int workers : WORKER_COUNTS) {
                        String row = measure(cluster, fleet, layout, workers, threads, samples, round, throughput);
                        rows.add(row);
                        System.out.println(row);
                    }
                }
            }
        }
        System.out.println("\nOffload throughput, 2 gateways on node 1, cloud workers on 2 Artemis nodes, " + threads
                + " inference thread(s) per worker, " + Runtime.getRuntime().availableProcessors() + " CPUs:\n");
        System.out.println("| round | layout | workers | samples | samples/s | p50 ms | p99 ms | exits | CPU ms per sample: "
                + "brokers / gateways / workers / devices |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|---|---|");
        rows.forEach(System.out::println);
        throughput.forEach((run, l) -> System.out.printf("%s: best %.0f samples/s of %s%n", run,
                l.stream().mapToDouble(Double::doubleValue).max().orElse(0), l));
    }

    private static String measure(BrokerCluster cluster, Fleet fleet, String layout, int workers, String threads,
                                  int samples, int round, Map<String, List<Double>> throughput) throws Exception {
        for (int k = 1; k <= workers; k++) {
            int node = layout.equals("spread") ? 2 - k % 2 : 1;
            fleet.startCloud(k, cluster.url(node), Map.of("workers", threads));
        }
        fleet.awaitReady(120_000);
        FleetTraffic warm = FleetTraffic.run(cluster.url(1), 2, 100, 0, List.of());
        assertEquals(warm.sent(), warm.answered(), "warm-up: " + warm.summary() + fleet.outputs());

        Map<String, Long> pids = new LinkedHashMap<>(fleet.pids());
        pids.put("broker-1", cluster.pid(1));
        pids.put("broker-2", cluster.pid(2));
        pids.put("devices", ProcessHandle.current().pid());
        Map<String, Duration> cpu0 = cpu(pids);
        FleetTraffic t = FleetTraffic.run(cluster.url(1), 2, samples, 0, List.of());
        Map<String, Duration> cpu1 = cpu(pids);
        assertEquals(t.sent(), t.answered(), t.summary() + fleet.outputs());
        assertEquals(0, t.conflicting(), t.summary());
        assertTrue(t.wrongPredictions().isEmpty(), t.wrongPredictions().toString());
        for (int k = 1; k <= workers; k++) {
            fleet.stopCloud(k);
        }

        double perSecond = t.answered() / t.seconds();
        throughput.computeIfAbsent(layout + ", " + workers + " worker(s)", w -> new ArrayList<>()).add(perSecond);
        return String.format("| %d | %s | %d | %,d | %.0f | %.1f | %.1f | %s | %s |", round, layout, workers,
                t.answered(), perSecond, t.latencyPercentileMs(50), t.latencyPercentileMs(99), t.byExit(),
                cpuPerSample(cpu0, cpu1, t.answered()));
    }

    private static Map<String, Duration> cpu(Map<String, Long> pids) {
        Map<String, Duration> m = new LinkedHashMap<>();
        pids.forEach((name, pid) -> m.put(name, ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration())
                .orElse(Duration.ZERO)));
        return m;
    }

    /** CPU ms per sample of the brokers, gateways, cloud workers and devices, e.g. {@code 1.20 / 2.31 / 0.80 / 0.41}. */
    private static String cpuPerSample(Map<String, Duration> before, Map<String, Duration> after, int samples) {
        double[] groups = new double[4];
        after.forEach((name, d) -> {
            int g = name.startsWith("broker") ? 0 : name.startsWith("gateway") ? 1 : name.startsWith("cloud") ? 2 : 3;
            groups[g] += d.minus(before.getOrDefault(name, Duration.ZERO)).toNanos() / 1e6 / samples;
        });
        return String.format("%.2f / %.2f / %.2f / %.2f", groups[0], groups[1], groups[2], groups[3]);
    }
}
