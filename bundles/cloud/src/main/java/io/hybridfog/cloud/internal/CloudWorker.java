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
import java.util.Collection;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
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
 * serving. The delivery thread only enqueues; {@code workers} threads decode and run.
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
            workers.execute(() -> process(request, ack));
        } catch (RejectedExecutionException full) {
            if (workers.isShutdown()) {
                return; // unacknowledged: the broker delivers it again (to another worker of the group, or this one back)
            }
            reply(Replies.error(request, ErrorCode.OVERLOADED, "cloud worker queue full (" + settings.queueCapacity()
                    + " requests waiting)"), ErrorCode.OVERLOADED, ack);
        }
    }

    /** Worker thread: decode, find the exact model version, run, reply. Never throws. */
    void process(BusMessage request, Acknowledgement ack) {
        try {
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
            CloudPartition partition = exact(h.model(), h.modelVersion());
            ModelDescriptor d = partition.descriptor();
            Tensor logits = partition.run(decoded.tensor());
            reply(Replies.logits(request, d, logits), null, ack);
        } catch (HybridFogException e) {
            reply(Replies.error(request, e.code(), e.getMessage()), e.code(), ack);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            LOG.log(Level.ERROR, "offload request on " + request.topic() + " failed", e);
            reply(Replies.error(request, ErrorCode.INTERNAL, "internal error: " + e), ErrorCode.INTERNAL, ack);
        }
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
