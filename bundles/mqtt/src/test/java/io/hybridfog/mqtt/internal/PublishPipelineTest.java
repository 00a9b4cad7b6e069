package io.hybridfog.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.transport.BusMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Flow control without a broker: a fake client that refuses beyond its own in-flight limit, like Paho. */
class PublishPipelineTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService completions = Executors.newSingleThreadExecutor();
    private final ScheduledExecutorService broker = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void shutdown() {
        timer.shutdownNow();
        completions.shutdownNow();
        broker.shutdownNow();
    }

    /** Accepts up to {@code limit} unacknowledged messages, acknowledges each after 1 ms, records order. */
    private final class FakeClient implements PublishPipeline.Sender {
        final int limit;
        int inflight;
        int refusals;
        final List<String> sent = new CopyOnWriteArrayList<>();
        PublishPipeline pipeline;

        FakeClient(int limit) {
            this.limit = limit;
        }

        @Override
        public synchronized void send(PublishPipeline.Pending p) throws PublishPipeline.SendRefused {
            if (inflight >= limit) {
                refusals++;
                throw new PublishPipeline.SendRefused(true, "Too many publishes in progress");
            }
            inflight++;
            sent.add(p.message.topic());
            broker.schedule(() -> {
                synchronized (this) {
                    inflight--;
                }
                pipeline.acked(p);
            }, 1, TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void windowAboveClientLimitRetriesRefusalsAndKeepsOrder() throws Exception {
        FakeClient client = new FakeClient(5);
        PublishPipeline pipeline = new PublishPipeline(client, 10_000, 50, 5_000, "tcp://test:1", completions, timer);
        client.pipeline = pipeline;
        pipeline.connected(null); // broker announced no Receive Maximum: window 50 > client limit 5
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            futures.add(pipeline.submit(BusMessage.of("t/" + i, new byte[0])));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertTrue(client.refusals > 0, "the fake client never refused: test does not exercise retries");
        assertEquals(500, client.sent.size());
        for (int i = 0; i < 500; i++) {
            assertEquals("t/" + i, client.sent.get(i));
        }
    }

    @Test
    void windowFollowsReceiveMaximumSoTheClientNeverRefuses() throws Exception {
        FakeClient client = new FakeClient(5);
        PublishPipeline pipeline = new PublishPipeline(client, 10_000, 50, 5_000, "tcp://test:1", completions, timer);
        client.pipeline = pipeline;
        pipeline.connected(5);
        assertEquals(5, pipeline.window());
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            futures.add(pipeline.submit(BusMessage.of("t", new byte[0])));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertEquals(0, client.refusals);
    }

    @Test
    void aWindowThatNeverOpensFailsTheMessageAfterTheBound() throws Exception {
        PublishPipeline.Sender alwaysFull = p -> {
            throw new PublishPipeline.SendRefused(true, "Too many publishes in progress");
        };
        PublishPipeline pipeline = new PublishPipeline(alwaysFull, 10, 5, 400, "tcp://test:1", completions, timer);
        pipeline.connected(null);
        long t0 = System.nanoTime();
        ExecutionException e = assertFails(pipeline.submit(BusMessage.of("stuck", new byte[0])), 5);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(e.getCause().getMessage().contains("refused by the client for 400 ms"), e.getCause().getMessage());
        assertTrue(ms >= 400 && ms < 3000, "gave up after " + ms + " ms");
        assertEquals(0, pipeline.queued());
    }

    @Test
    void fullQueueFailsAtOnce() throws Exception {
        FakeClient client = new FakeClient(5);
        PublishPipeline pipeline = new PublishPipeline(client, 2, 5, 60_000, "tcp://test:1", completions, timer);
        client.pipeline = pipeline;
        CompletableFuture<Void> a = pipeline.submit(BusMessage.of("a", new byte[0]));
        CompletableFuture<Void> b = pipeline.submit(BusMessage.of("b", new byte[0]));
        CompletableFuture<Void> c = pipeline.submit(BusMessage.of("c", new byte[0]));
        ExecutionException e = assertFails(c, 1);
        assertTrue(e.getCause().getMessage().contains("publish queue full"), e.getCause().getMessage());
        assertFalse(a.isDone() || b.isDone());
        pipeline.connected(null);
        a.get(5, TimeUnit.SECONDS);
        b.get(5, TimeUnit.SECONDS);
    }

    @Test
    void waitingForAConnectionIsBounded() throws Exception {
        FakeClient client = new FakeClient(5);
        PublishPipeline pipeline = new PublishPipeline(client, 10, 5, 300, "tcp://test:1", completions, timer);
        long t0 = System.nanoTime();
        ExecutionException e = assertFails(pipeline.submit(BusMessage.of("x", new byte[0])), 5);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertInstanceOf(IOException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("not connected to tcp://test:1"), e.getCause().getMessage());
        assertTrue(ms >= 300 && ms < 3000, "expired after " + ms + " ms");
    }

    @Test
    void closeFailsQueuedAndLaterMessages() throws Exception {
        FakeClient client = new FakeClient(5);
        PublishPipeline pipeline = new PublishPipeline(client, 10, 5, 60_000, "tcp://test:1", completions, timer);
        CompletableFuture<Void> queued = pipeline.submit(BusMessage.of("x", new byte[0]));
        pipeline.close();
        assertTrue(assertFails(queued, 1).getCause().getMessage().contains("closed"));
        assertTrue(assertFails(pipeline.submit(BusMessage.of("y", new byte[0])), 1).getCause().getMessage().contains("closed"));
    }

    private static ExecutionException assertFails(CompletableFuture<Void> f, int seconds) throws InterruptedException, TimeoutException {
        try {
            f.get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e;
        }
        throw new AssertionError("future completed normally");
    }
}
