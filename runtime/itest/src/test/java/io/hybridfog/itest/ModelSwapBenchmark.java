package io.hybridfog.itest;

import static io.hybridfog.itest.RuntimeFixture.WINDOW;
import static io.hybridfog.itest.RuntimeFixture.modelVersion;
import static io.hybridfog.itest.RuntimeFixture.setUpRuntime;
import static io.hybridfog.itest.RuntimeFixture.text;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.hybridfog.edge.GatewayMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Benchmark, not a test (excluded from the build's test run): sample latency (device publish to result, ms) while
 * model versions are swapped through the deploy folder, against steady state measured in the same run.
 * <pre>
 * mvn -o -pl runtime/itest verify -Dtest=ModelSwapBenchmark [-Dhybridfog.bench.samples=10000]
 * </pre>
 * Phase "steady": {@code samples} real Fashion-MNIST images with {@link RuntimeFixture#WINDOW} in flight. Phase
 * "swapping": as many again while {@value #SWAPS} swaps happen (1.1.0 dropped in, then removed, so 1.0.0 is loaded
 * again: each swap loads, validates and warms a version on the FileInstall thread beside the traffic). "near a swap"
 * are the samples of that phase published between a swap's start (jar moved or deleted) and {@value #NEAR_MS} ms after the
 * catalog reported the new version active. Prints a markdown table (surefire-reports/*ModelSwapBenchmark-output.txt).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ModelSwapBenchmark {
    private static final int SWAPS = 6;
    private static final long NEAR_MS = 250;
    private static final String JAR = "fashion-mnist-hybrid-1.1.0.jar";

    @Configuration
    public Option[] config() throws Exception {
        ModelDeployment.writeJars();
        return RuntimeFixture.frameworkOptions("itest-bench-deploy");
    }

    @Test
    public void latencyDuringSwapsAgainstSteadyState() throws Exception {
        setUpRuntime();
        int n = Integer.getInteger("hybridfog.bench.samples", 10_000);
        byte[][] idx = FashionMnist.testImages();
        GatewayMetrics gateway = InFramework.service(GatewayMetrics.class, null, 10_000);
        try (Device device = new Device(InFramework.brokerUrl(), "bench-swap")) {
            stream(device, "warm", idx, 3000, null); // JIT and caches
            GatewayMetrics.Snapshot before = gateway.snapshot();
            Phase steady = stream(device, "steady", idx, n, null);
            Swapper swapper = new Swapper(n);
            swapper.start();
            Phase swapping = stream(device, "swap", idx, n, swapper);
            swapper.interrupt();
            swapper.join(ModelDeployment.SWAP_TIMEOUT_MS);
            if (swapper.failure != null) {
                throw swapper.failure;
            }
            List<long[]> swaps = swapper.swaps; // {start, end} nanos
            GatewayMetrics.Snapshot after = gateway.snapshot();

            List<Double> near = new ArrayList<>();
            for (Map.Entry<String, Double> e : swapping.latencyMs.entrySet()) {
                long published = swapping.publishedAt.get(e.getKey());
                for (long[] s : swaps) {
                    if (published >= s[0] && published <= s[1] + TimeUnit.MILLISECONDS.toNanos(NEAR_MS)) {
                        near.add(e.getValue());
                        break;
                    }
                }
            }
            double[] switchMs = swaps.stream().mapToDouble(s -> (s[1] - s[0]) / 1e6).toArray();
            StringBuilder table = new StringBuilder("\n| phase | samples | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n");
            table.append(row("steady", steady.values())).append(row("swapping (" + swaps.size() + " swaps)", swapping.values()))
                    .append(row("near a swap", near));
            table.append(String.format("%nswap (jar moved/deleted -> new version active): median %.0f ms, max %.0f ms; "
                            + "results per version while swapping %s; errors %d; swap retries %d%n",
                    percentile(Arrays.stream(switchMs).boxed().toList(), 50), Arrays.stream(switchMs).max().orElse(0),
                    swapping.perVersion, after.errorTotal() - before.errorTotal(), after.swapRetries() - before.swapRetries()));
            System.out.println("model swap benchmark:" + table);
            assertEquals("errors", before.errorTotal(), after.errorTotal());
            assertTrue("swaps happened: " + swaps.size(), swaps.size() >= 2);
        } finally {
            if (ModelDeployment.status("1.1.0").isPresent()) {
                ModelDeployment.undeploy(JAR, "1.1.0");
            }
        }
    }

    /** Latency per sample of one phase. */
    private record Phase(Map<String, Double> latencyMs, Map<String, Long> publishedAt, Map<String, Integer> perVersion) {
        List<Double> values() {
            return new ArrayList<>(latencyMs.values());
        }
    }

    /**
     * On its own thread, so traffic goes on during a swap: starts a swap each time another n / (SWAPS + 1) results
     * are in, alternating deploy and undeploy of 1.1.0.
     */
    private static final class Swapper extends Thread {
        private final int every;
        private final List<long[]> swaps = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.util.concurrent.atomic.AtomicInteger results = new java.util.concurrent.atomic.AtomicInteger();
        private volatile Exception failure;

        Swapper(int n) {
            super("bench-swapper");
            this.every = n / (SWAPS + 1);
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                for (int next = every; swaps.size() < SWAPS && !isInterrupted(); next += every) {
                    while (results.get() < next) {
                        Thread.sleep(1);
                    }
                    long start = System.nanoTime();
                    if (swaps.size() % 2 == 0) {
                        ModelDeployment.deploy(JAR);
                        ModelDeployment.awaitActive("1.1.0");
                    } else {
                        ModelDeployment.undeploy(JAR, "1.1.0");
                        ModelDeployment.awaitActive(modelVersion);
                    }
                    swaps.add(new long[] {start, System.nanoTime()});
                }
            } catch (InterruptedException e) {
                // the phase ended
            } catch (Exception | AssertionError e) {
                failure = e instanceof Exception x ? x : new IllegalStateException(e);
            }
        }
    }

    /** Streams n images with WINDOW in flight; tells the swapper (if any) how many results are in. */
    private static Phase stream(Device device, String prefix, byte[][] idx, int n, Swapper swapper) throws Exception {
        Map<String, Long> publishedAt = new ConcurrentHashMap<>();
        Map<String, Double> latency = new ConcurrentHashMap<>();
        Map<String, Integer> perVersion = new ConcurrentHashMap<>();
        Semaphore window = new Semaphore(WINDOW);
        device.onResult(r -> {
            Long t0 = publishedAt.get(r.sampleId());
            if (t0 != null && latency.putIfAbsent(r.sampleId(), (r.receivedNanos() - t0) / 1e6) == null) {
                perVersion.merge(String.valueOf(text(r.json(), "modelVersion")), 1, Integer::sum);
                if (r.json().get("error") != null) {
                    perVersion.merge("error " + text(r.json(), "error"), 1, Integer::sum);
                }
                window.release();
                if (swapper != null) {
                    swapper.results.incrementAndGet();
                }
            }
        });
        List<byte[]> pngs = new ArrayList<>();
        for (int k = 0; k < Math.min(n, 1000); k++) {
            pngs.add(FashionMnist.png(idx[(11 + 53 * k) % idx.length]));
        }
        for (int k = 0; k < n; k++) {
            if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new AssertionError("no result within 60 s\n" + InFramework.describe());
            }
            String id = prefix + "-" + k;
            publishedAt.put(id, System.nanoTime());
            device.publishAsync(id, pngs.get(k % pngs.size()));
        }
        assertTrue("last results within 60 s", window.tryAcquire(WINDOW, 60, TimeUnit.SECONDS));
        window.release(WINDOW);
        return new Phase(latency, publishedAt, new TreeMap<>(perVersion));
    }

    private static String row(String phase, List<Double> ms) {
        return String.format("| %s | %d | %.1f | %.1f | %.1f |%n", phase, ms.size(), percentile(ms, 50), percentile(ms, 99),
                ms.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
    }

    private static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v[(int) Math.min(v.length - 1, Math.ceil(p / 100 * v.length) - 1)];
    }
}
