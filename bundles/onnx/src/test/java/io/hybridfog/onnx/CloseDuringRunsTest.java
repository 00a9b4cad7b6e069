package io.hybridfog.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Closing a partition while other threads run it (a model bundle stopped under load) must let the runs in flight
 * finish with complete results, then fail later runs with UNKNOWN_MODEL. Freeing the native session under a
 * running inference would crash the JVM or return garbage instead.
 */
class CloseDuringRunsTest {

    @Test
    void closeWaitsForRunsInFlightAndLaterRunsFailCleanly() throws Exception {
        OnnxEdgePartition edge = ModelFiles.loadEdge();
        Tensor input = ModelFiles.testImages().normalized(0, 16, edge.descriptor().input());
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch everyThreadRan = new CountDownLatch(threads);
        try {
            List<Future<Integer>> runners = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                runners.add(pool.submit(() -> runUntilClosed(edge, input, everyThreadRan)));
            }
            assertTrue(everyThreadRan.await(60, TimeUnit.SECONDS), "runs did not start");

            edge.close();

            for (Future<Integer> runner : runners) {
                assertTrue(runner.get(60, TimeUnit.SECONDS) >= 1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** @return completed runs; returns once a run fails with UNKNOWN_MODEL */
    private static int runUntilClosed(OnnxEdgePartition edge, Tensor input, CountDownLatch ran) {
        int completed = 0;
        while (true) {
            EdgeOutput out;
            try {
                out = edge.run(input);
            } catch (HybridFogException e) {
                assertEquals(ErrorCode.UNKNOWN_MODEL, e.code(), e.getMessage());
                return completed;
            }
            assertArrayEquals(new long[] {16, 128, 7, 7}, out.features().shape());
            for (float v : out.features().data()) {
                assertTrue(v == 1f || v == -1f, "corrupt feature value " + v);
            }
            if (++completed == 1) {
                ran.countDown();
            }
        }
    }
}
