package io.hybridfog.cloud.internal;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.api.transport.Acknowledgement;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.PacketTooLargeException;
import io.hybridfog.api.transport.PublishRefusedException;
import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.api.transport.Subscription;
import io.hybridfog.cloud.CloudWorkerMetrics;
import io.hybridfog.codec.TensorCodec;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The cloud worker: answers offload requests with the cloud partition of exactly the model version named in the
 * request's HFT header (a mismatched version is never run: the reply is an UNKNOWN_MODEL error listing the installed
 * versions). Replies go to the request's response topic with its correlation data (format: {@link Replies}); a
 * request without a response topic is logged and dropped. Malformed requests get an error reply; the worker keeps
 * serving. The delivery thread only enqueues; {@code workers} threads decode and run. Dynamic batching: a worker
 * takes the requests waiting in the queue (up to {@code max.batch.size}, waiting up to {@code max.batch.wait.ms} for
 * more), decodes each on its own and runs the cloud partition once per model version; each request gets its own reply.
 */
public final class CloudWorker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CloudWorker.class.getName());
    private static final long STOP_WAIT_MS = 5000;

    private final MessageBus bus;
    private final Supplier<? extends Collection<? extends CloudPartition>> partitions;
    private final CloudWorkerSettings settings;
    private final ThreadPoolExecutor workers;
    private final Counters counters;
    private volatile Subscription subscription;

    /** @param partitions live view of the installed cloud partitions (read per request) */
    public CloudWorker(MessageBus bus, Supplier<? extends Collection<? extends CloudPartition>> partitions,
                       CloudWorkerSettings settings) {
        this.bus = bus;
        this.partitions = partitions;
        this.settings = settings;
        this.workers = new ThreadPoolExecutor(settings.workers(), settings.workers(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(settings.queueCapacity()), named("hybridfog-cloud-worker"));
        this.counters = new Counters(() -> workers.getQueue().size());
    }

    /** @throws IOException if the subscription fails (the worker is then closed) */
    public void start() throws IOException {
        try {
            subscription = bus.subscribeAcknowledging(settings.offloadSubscription(), this::onRequest);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.log(Level.INFO, "cloud worker serving {0} with {1} threads", settings.offloadSubscription(), settings.workers());
    }

    public CloudWorkerMetrics metrics() {
        return counters;
    }

    /** Unsubscribes and lets queued requests finish for up to 5 s. Idempotent. */
    @Override
    public void close() {
        Subscription s = subscription;
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "unsubscribe failed: " + e);
            }
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Delivery thread: enqueue only. A request is acknowledged to the broker once its reply is (or cannot ever be):
     * a request this worker took and did not answer (it stopped, or the broker went away) is delivered again.
     */
    void onRequest(BusMessage request, Acknowledgement ack) {
        counters.requests.increment();
        if (request.responseTopic() == null || request.responseTopic().isEmpty()) {
            counters.dropped.increment();
            LOG.log(Level.WARNING, "offload request on {0} has no response topic: dropped (nobody to answer)", request.topic());
            ack.acknowledge();
            return;
        }
        try {
            workers.execute(new RequestTask(request, ack));
        } catch (RejectedExecutionException full) {
            if (workers.isShutdown()) {
                return; // unacknowledged: the broker delivers it again (to another worker of the group, or this one back)
            }
            reply(Replies.error(request, ErrorCode.OVERLOADED, "cloud worker queue full (" + settings.queueCapacity()
                    + " requests waiting)"), ErrorCode.OVERLOADED, ack);
        }
    }

    /** A queued request. */
    private final class RequestTask implements Runnable {
        final BusMessage request;
        final Acknowledgement ack;

        RequestTask(BusMessage request, Acknowledgement ack) {
            this.request = request;
            this.ack = ack;
        }

        @Override
        public void run() {
            processBatch(collectBatch(this));
        }
    }

    /**
     * Worker thread, dynamic batching: the request this worker took and the requests waiting in the queue behind it,
     * up to {@code max.batch.size}; with {@code max.batch.wait.ms} &gt; 0 it waits for more until that long after it
     * took the first. Requests taken from the queue here belong to this task (the executor never runs them).
     */
    private List<RequestTask> collectBatch(RequestTask first) {
        int max = settings.maxBatchSize();
        if (max == 1) {
            return List.of(first);
        }
        List<RequestTask> batch = new ArrayList<>(Math.min(max, 64));
        batch.add(first);
        BlockingQueue<Runnable> queue = workers.getQueue();
        long waitNanos = TimeUnit.MILLISECONDS.toNanos(settings.maxBatchWaitMs());
        long deadline = System.nanoTime() + waitNanos;
        while (batch.size() < max) {
            Runnable next = queue.poll();
            if (next == null && waitNanos > 0 && !workers.isShutdown()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    next = queue.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // a forced stop: answer what was taken
                    break;
                }
            }
            if (next == null) {
                break;
            }
            if (next instanceof RequestTask t) {
                batch.add(t);
            } else {
                next.run(); // only RequestTasks are queued; anything else runs as the executor would have run it
            }
        }
        return batch;
    }

    /** A decoded request, with the partition of exactly the version it names. */
    private record Prepared(BusMessage request, Acknowledgement ack, CloudPartition partition, Tensor features) {
    }

    /**
     * Worker thread: decodes each request on its own (a malformed one gets its error reply and leaves the batch),
     * runs the cloud partition once for the requests of each model version, and replies to each with its own rows.
     * Never throws.
     */
    private void processBatch(List<RequestTask> batch) {
        if (batch.size() == 1) {
            process(batch.get(0).request, batch.get(0).ack);
            return;
        }
        Map<CloudPartition, List<Prepared>> groups = new LinkedHashMap<>();
        for (RequestTask t : batch) {
            try {
                Prepared p = prepare(t.request, t.ack);
                groups.computeIfAbsent(p.partition(), k -> new ArrayList<>()).add(p);
            } catch (HybridFogException e) {
                reply(Replies.error(t.request, e.code(), e.getMessage()), e.code(), t.ack);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                failed(t.request, t.ack, e);
            }
        }
        groups.forEach(this::runBatch);
    }

    /** Runs the requests of one partition as one batch (features stacked on the first dimension) and replies to each. */
    private void runBatch(CloudPartition partition, List<Prepared> group) {
        List<Prepared> batch = new ArrayList<>(group.size());
        long[] first = group.get(0).features().shape();
        for (Prepared p : group) {
            long[] shape = p.features().shape();
            if (first.length >= 2 && Arrays.equals(shape, 1, shape.length, first, 1, first.length)) {
                batch.add(p);
            } else {
                runAlone(p); // another feature shape (then the partition refuses it): on its own, with its own error
            }
        }
        if (batch.size() < 2) {
            batch.forEach(this::runAlone);
            return;
        }
        int rows = 0;
        for (Prepared p : batch) {
            rows = Math.addExact(rows, Math.toIntExact(p.features().shape()[0]));
        }
        Tensor logits;
        try {
            logits = partition.run(stack(batch, rows));
            counters.runs.increment();
            counters.runRequests.add(batch.size());
            if (logits.shape().length < 2 || logits.shape()[0] != rows) {
                throw new HybridFogException(ErrorCode.INTERNAL, "cloud partition answered " + rows + " rows with "
                        + "logits of shape " + Arrays.toString(logits.shape()));
            }
        } catch (HybridFogException | RuntimeException | LinkageError | AssertionError e) {
            LOG.log(Level.WARNING, "a batch of " + batch.size() + " offload requests failed (" + e
                    + "); running them one by one");
            batch.forEach(this::runAlone); // each gets its own reply: its logits or its own error
            return;
        }
        int rowSize = logits.size() / rows;
        int offset = 0;
        for (Prepared p : batch) {
            int n = (int) p.features().shape()[0];
            try {
                long[] shape = logits.shape().clone();
                shape[0] = n;
                Tensor own = new Tensor(shape, Arrays.copyOfRange(logits.data(), offset * rowSize, (offset + n) * rowSize));
                reply(Replies.logits(p.request(), partition.descriptor(), own), null, p.ack());
            } catch (RuntimeException | LinkageError | AssertionError e) {
                failed(p.request(), p.ack(), e);
            }
            offset += n;
        }
    }

    /** The features of a batch, [rows, ...]. */
    private static Tensor stack(List<Prepared> batch, int rows) {
        long[] shape = batch.get(0).features().shape().clone();
        shape[0] = rows;
        float[] data = new float[Math.multiplyExact(batch.get(0).features().size() / (int) batch.get(0).features().shape()[0], rows)];
        int offset = 0;
        for (Prepared p : batch) {
            float[] d = p.features().data();
            System.arraycopy(d, 0, data, offset, d.length);
            offset += d.length;
        }
        return new Tensor(shape, data);
    }

    /** Worker thread, one request alone: decode, find the exact model version, run, reply. Never throws. */
    void process(BusMessage request, Acknowledgement ack) {
        try {
            runAlone(prepare(request, ack));
        } catch (HybridFogException e) {
            reply(Replies.error(request, e.code(), e.getMessage()), e.code(), ack);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed(request, ack, e);
        }
    }

    /** Runs one decoded request and replies. Never throws. */
    private void runAlone(Prepared p) {
        try {
            Tensor logits = p.partition().run(p.features());
            counters.runs.increment();
            counters.runRequests.increment();
            reply(Replies.logits(p.request(), p.partition().descriptor(), logits), null, p.ack());
        } catch (HybridFogException e) {
            reply(Replies.error(p.request(), e.code(), e.getMessage()), e.code(), p.ack());
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed(p.request(), p.ack(), e);
        }
    }

    private void failed(BusMessage request, Acknowledgement ack, Throwable e) {
        LOG.log(Level.ERROR, "offload request on " + request.topic() + " failed", e);
        reply(Replies.error(request, ErrorCode.INTERNAL, "internal error: " + e), ErrorCode.INTERNAL, ack);
    }

    /** Checks and decodes a request and finds the partition of exactly the version it names. */
    private Prepared prepare(BusMessage request, Acknowledgement ack) throws HybridFogException {
        byte[] payload = request.payload();
        if (payload != null && payload.length > settings.maxPayloadBytes()) {
            throw new HybridFogException(ErrorCode.PAYLOAD_TOO_LARGE, "offload request is " + payload.length
                    + " bytes, at most " + settings.maxPayloadBytes() + " accepted");
        }
        int maxElements = (int) Math.min(Integer.MAX_VALUE, 8L * settings.maxPayloadBytes()); // BINARY: 8 per byte
        TensorCodec.Decoded decoded = TensorCodec.decode(payload, maxElements);
        TensorCodec.Header h = decoded.header();
        if (h.model().isEmpty() || h.modelVersion().isEmpty()) {
            throw new HybridFogException(ErrorCode.MALFORMED_PAYLOAD,
                    "offload tensor must name its model and model version in the HFT header");
        }
        return new Prepared(request, ack, exact(h.model(), h.modelVersion()), decoded.tensor());
    }

    /** The partition of exactly this model and version. */
    private CloudPartition exact(String model, String version) throws HybridFogException {
        TreeSet<String> versions = new TreeSet<>();
        for (CloudPartition p : partitions.get()) {
            ModelDescriptor d = p.descriptor();
            if (d.name().equals(model)) {
                if (d.version().equals(version)) {
                    return p;
                }
                versions.add(d.version());
            }
        }
        throw new HybridFogException(ErrorCode.UNKNOWN_MODEL, "no cloud partition of " + model + " version " + version
                + " is installed; installed versions of " + model + ": " + (versions.isEmpty() ? "none" : versions));
    }

    /** Publishes the reply; the request is acknowledged on its PUBACK, or when the broker refuses it for good. */
    private void reply(BusMessage reply, ErrorCode error, Acknowledgement ack) {
        if (error == null) {
            counters.answered.increment();
        } else {
            counters.error(error);
        }
        bus.publish(reply).whenComplete((ok, e) -> {
            if (e == null) {
                ack.acknowledge();
                return;
            }
            counters.publishFailures.increment();
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            LOG.log(Level.WARNING, "reply to " + reply.topic() + " not published: " + cause.getMessage());
            if (cause instanceof PacketTooLargeException || cause instanceof PublishRefusedException) {
                ack.acknowledge(); // it would fail again
            }
        });
    }

    private static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory base = Executors.defaultThreadFactory();
        return r -> {
            Thread t = base.newThread(r);
            t.setName(name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
