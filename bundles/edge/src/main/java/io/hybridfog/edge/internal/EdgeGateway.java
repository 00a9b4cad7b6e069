package io.hybridfog.edge.internal;

import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.EnergyModel;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitDecision;
import io.hybridfog.api.ExitPolicy;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import io.hybridfog.api.metrics.ResultObserver;
import io.hybridfog.api.transport.Acknowledgement;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.api.transport.PacketTooLargeException;
import io.hybridfog.api.transport.Subscription;
import io.hybridfog.codec.ResultCodec;
import io.hybridfog.codec.SampleDecoder;
import io.hybridfog.codec.Softmax;
import io.hybridfog.codec.TensorCodec;
import io.hybridfog.config.SettingException;
import io.hybridfog.edge.GatewayMetrics;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The edge gateway: receives device samples, runs the edge partition and the exit policy, offloads uncertain samples
 * to the cloud and publishes exactly one result per sample.
 *
 * <p>Delivery: a sample is acknowledged to the broker once it is in the {@link ResultJournal} (on disk with {@code
 * journal.dir}); a sample a run took and did not answer is processed by the next run; the journal publishes results,
 * keeps those the broker has not acknowledged across restarts, and drops redelivered copies of samples taken or
 * answered (keyed by device and sample id).
 *
 * <p>Threads: the bus's delivery thread only enqueues samples (a full queue answers OVERLOADED at once) and completes
 * offload replies; {@code workers} threads decode and run the edge partition; no thread ever waits for the cloud
 * (an offload completes asynchronously on the reply, or on the timer thread at {@code offload.timeout.ms}).
 *
 * <p>Dynamic batching: a worker takes the samples waiting in the queue, up to {@code max.batch.size} (waiting up to
 * {@code max.batch.wait.ms} for more), decodes each on its own, and runs the edge partition once for them; each
 * sample keeps its own exit decision, result and errors.
 *
 * <p>Topics and payloads (docs/wire-format.md):
 * <ul>
 * <li>in: {@code samples.topic}, payload PNG/JPEG or HFT, correlation data = sample id (UTF-8), optional user
 * property {@code model};</li>
 * <li>offload: {@code offload.topic.prefix + model}, payload HFT features (BINARY if the model's features are binary,
 * else FLOAT32) naming model and version, response topic {@code replies.topic.prefix + gateway.id}, correlation data
 * = request key, content type {@value CloudReplies#TENSOR_CONTENT_TYPE};</li>
 * <li>out: {@code results.topic.prefix + deviceId}, payload {@link ResultCodec} JSON, correlation data = the sample's
 * correlation data, content type {@code application/json}.</li>
 * </ul>
 */
public final class EdgeGateway implements AutoCloseable {
    /** User property a sample may carry to pick a model other than the configured one. */
    public static final String MODEL_PROPERTY = "model";
    private static final System.Logger LOG = System.getLogger(EdgeGateway.class.getName());
    private static final long STOP_WAIT_MS = 5000;
    private static final long DUPLICATE_LOG_INTERVAL_MS = 10_000;
    private final java.util.concurrent.atomic.AtomicLong lastDuplicateLog = new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - 20_000_000_000L);
    /** Answered sample ids remembered to drop redeliveries (about 100 bytes each), and for how long; also the most
     *  results the journal keeps for the broker. */
    static final int DEDUP_CAPACITY = 200_000;
    static final long DEDUP_WINDOW_MS = 10 * 60_000;

    private final MessageBus bus;
    private final Supplier<? extends Collection<? extends EdgePartition>> partitions;
    private final Supplier<? extends Collection<? extends ExitPolicy>> policies;
    private volatile GatewaySettings settings; // replaced only by applyExitSettings
    private final Results results;
    private final ThreadPoolExecutor workers;
    private final ScheduledThreadPoolExecutor timer;
    private final OffloadTracker offloads;
    private final Counters counters;
    private final Map<String, SampleDecoder> decoders = new ConcurrentHashMap<>();
    private final ResultJournal journal;
    private final Supplier<? extends Collection<? extends ResultObserver>> observers;
    private volatile boolean stopping;
    private volatile Subscription samplesSubscription;
    private volatile Subscription repliesSubscription;

    /**
     * @param partitions live view of the installed edge partitions (read per sample)
     * @param policies   live view of the installed exit policies (read per sample)
     */
    public EdgeGateway(MessageBus bus, Supplier<? extends Collection<? extends EdgePartition>> partitions,
                       Supplier<? extends Collection<? extends ExitPolicy>> policies, EnergyModel energy,
                       GatewaySettings settings) {
        this(bus, partitions, policies, energy, settings, List::of);
    }

    /**
     * As above, and {@code observers} (live view, read per result) see every result (see {@link ResultObserver}).
     */
    public EdgeGateway(MessageBus bus, Supplier<? extends Collection<? extends EdgePartition>> partitions,
                       Supplier<? extends Collection<? extends ExitPolicy>> policies, EnergyModel energy,
                       GatewaySettings settings, Supplier<? extends Collection<? extends ResultObserver>> observers) {
        this.bus = bus;
        this.observers = observers;
        this.partitions = partitions;
        this.policies = policies;
        this.settings = settings;
        this.results = new Results(energy);
        this.workers = new ThreadPoolExecutor(settings.workers(), settings.workers(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(settings.queueCapacity()), named("hybridfog-edge-worker-" + settings.gatewayId()));
        this.timer = new ScheduledThreadPoolExecutor(1, named("hybridfog-edge-timer-" + settings.gatewayId()));
        timer.setRemoveOnCancelPolicy(true); // cancelled offload timeouts must not pile up
        this.offloads = new OffloadTracker(timer, settings.offloadTimeoutMs(), settings.queueCapacity());
        this.counters = new Counters(settings.gatewayId(), () -> workers.getQueue().size(), offloads::size,
                this::describeExitRule, this::journalUsage);
        try {
            this.journal = new ResultJournal(bus, settings.journalDir() == null ? null : java.nio.file.Path.of(settings.journalDir()),
                    DEDUP_CAPACITY, DEDUP_WINDOW_MS, settings.journalMaxBytes(), settings.gatewayId(),
                    counters.resultsPublished, counters.publishFailures, counters.stages);
        } catch (RuntimeException e) {
            workers.shutdownNow();
            timer.shutdownNow();
            throw e;
        }
    }

    /**
     * Subscribes to the replies topic, then to the samples topic.
     *
     * @throws IOException if a subscription fails (the gateway is then closed)
     */
    public void start() throws IOException {
        try {
            repliesSubscription = bus.subscribe(settings.repliesTopic(), this::onReply);
            resumeUnanswered();
            samplesSubscription = bus.subscribeAcknowledging(settings.samplesTopic(), this::onSample);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.log(Level.INFO, "edge gateway {0} serving {1} (model {2}, replies on {3})", settings.gatewayId(),
                settings.samplesTopic(), settings.model(), settings.repliesTopic());
    }

    public GatewayMetrics metrics() {
        return counters;
    }

    public GatewaySettings settings() {
        return settings;
    }

    /** Results in the journal the broker has not acknowledged yet (after {@link #close()}: those it closed with). */
    int resultsAwaitingBroker() {
        return journal.outboxSize();
    }

    /** See {@link GatewayMetrics#journal()}. */
    private GatewayMetrics.JournalUsage journalUsage() {
        return new GatewayMetrics.JournalUsage(journal.fileSize(), journal.maxBytes(), journal.inboxBytes(),
                journal.outboxSize());
    }

    /** See {@link GatewayMetrics#exitRule()}. */
    String describeExitRule() {
        GatewaySettings now = settings;
        EdgePartition partition = Partitions.newest(partitions.get(), now.model());
        if (partition == null) {
            return "none: no edge partition of model '" + now.model() + "' is installed";
        }
        ModelDescriptor d = partition.descriptor();
        try {
            ExitRule rule = ExitRule.resolve(d, policies.get(), now.exitPolicy(), now.exitThreshold());
            return "policy " + rule.policy().name() + ", threshold " + rule.threshold() + " " + rule.policy().unit() + " ("
                    + (now.exitThreshold() == null ? "calibrated threshold of " : "exit.threshold, model ") + d.id() + ")";
        } catch (SettingException e) {
            return "none: " + e.getMessage();
        }
    }

    /**
     * Applies a new exit policy and threshold to the samples that start from now on; the other settings must be
     * unchanged (they shaped the queues and subscriptions).
     *
     * @throws IllegalArgumentException if {@code next} differs in anything but {@code exit.policy}/{@code exit.threshold}
     */
    public void applyExitSettings(GatewaySettings next) {
        if (!next.withExit(settings.exitPolicy(), settings.exitThreshold()).equals(settings)) {
            throw new IllegalArgumentException("only exit.policy and exit.threshold change without a restart");
        }
        settings = next;
        LOG.log(Level.INFO, "edge gateway {0}: exit policy {1}, threshold {2}", settings.gatewayId(),
                next.exitPolicy() == null ? "(the model's)" : next.exitPolicy(),
                next.exitThreshold() == null ? "(the model's calibrated one)" : next.exitThreshold());
    }

    /**
     * Stops taking samples (the samples subscription stays in the broker's session: samples published meanwhile wait
     * for the next start), lets queued samples and pending offloads finish for up to 5 s each, commits the journal
     * and closes it. Samples still unanswered then stay in the journal's inbox: the next start answers them.
     * Idempotent.
     */
    @Override
    public void close() {
        if (samplesSubscription != null) {
            samplesSubscription.detach();
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
                stopping = true;
                workers.shutdownNow(); // what is left stays in the journal's inbox: the next run answers it
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MS);
            while (offloads.size() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        stopping = true;
        offloads.failAll("gateway stopping"); // abandoned, not answered: see finishOffload
        closeQuietly(repliesSubscription);
        journal.close();
        timer.shutdownNow();
    }

    /** Samples the last run took and did not answer: processed before new ones. */
    private void resumeUnanswered() {
        List<ResultJournal.Unanswered> left = journal.unanswered();
        if (!left.isEmpty()) {
            LOG.log(Level.INFO, "edge gateway {0}: answering {1} samples the last run took and did not answer",
                    settings.gatewayId(), left.size());
        }
        for (ResultJournal.Unanswered u : left) {
            counters.samples.increment();
            enqueue(Sample.unanswered(u, System.nanoTime()));
        }
    }

    /**
     * Delivery thread: the checks that can refuse a sample without decoding it, then journal and enqueue only. A
     * sample refused here (too large, no sample id, no room in the journal) is answered at once and nothing of it is
     * written: its result is published without the journal and the sample acknowledged on the result's PUBACK.
     */
    void onSample(BusMessage m, Acknowledgement ack) {
        Sample s = Sample.of(m, System.nanoTime());
        long t0 = StageClock.now();
        try {
            admit(s, m, ack);
        } finally {
            counters.stages.add(GatewayMetrics.Stage.JOURNAL, t0);
        }
    }

    private void admit(Sample s, BusMessage m, Acknowledgement ack) {
        InferenceResult refused = refuseBeforeJournal(s);
        if (refused != null) {
            counters.samples.increment();
            journal.publishUnjournaled(resultMessage(s, refused), ack);
            return;
        }
        ResultJournal.Admission admission = journal.admit(s.key(), m, ack);
        if (admission == ResultJournal.Admission.FULL) {
            counters.samples.increment();
            journal.publishUnjournaled(resultMessage(s, Results.error(s, null, ErrorCode.OVERLOADED,
                    "gateway journal full (" + DEDUP_CAPACITY + " results waiting for the broker); retry later")), ack);
            return;
        }
        if (admission == ResultJournal.Admission.NO_SPACE) {
            counters.samples.increment();
            journal.publishUnjournaled(resultMessage(s, Results.error(s, null, ErrorCode.JOURNAL_FULL,
                    "gateway journal full (" + journal.fileSize() + " bytes on disk, " + journal.inboxBytes()
                            + " bytes of samples waiting, journal.max.bytes " + journal.maxBytes() + "); retry later")), ack);
            return;
        }
        if (admission != ResultJournal.Admission.NEW) {
            counters.duplicates.increment(); // a redelivery: its first delivery is taken or answered
            logDuplicate(s);
            return;
        }
        counters.samples.increment();
        enqueue(s);
    }

    /**
     * A repeated sample id is a broker redelivery, or a device reusing an id for a new sample, which then gets no
     * answer: say so, at most once per {@value #DUPLICATE_LOG_INTERVAL_MS} ms, so that the device's author can see it.
     */
    private void logDuplicate(Sample s) {
        long now = System.nanoTime();
        long last = lastDuplicateLog.get();
        if (now - last >= java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(DUPLICATE_LOG_INTERVAL_MS)
                && lastDuplicateLog.compareAndSet(last, now)) {
            LOG.log(Level.INFO, "sample id {0} from device {1} was taken before: treated as a redelivery and not answered "
                    + "again ({2} such samples so far; sample ids must be unique per device)", s.sampleId(), s.deviceId(),
                    counters.duplicates.sum());
        }
    }

    /** The error result of a sample refused before it is journaled, or null if it may be journaled. */
    private InferenceResult refuseBeforeJournal(Sample s) {
        byte[] payload = s.message().payload();
        int max = settings.maxPayloadBytes();
        if (payload != null && payload.length > max) {
            return Results.error(s, null, ErrorCode.PAYLOAD_TOO_LARGE,
                    "payload is " + payload.length + " bytes, at most " + max + " accepted");
        }
        if (s.sampleId() == null) {
            return Results.error(s, null, ErrorCode.MISSING_SAMPLE_ID, missingSampleId(s));
        }
        if (ResultJournal.encodedSize(s.message()) < 0) {
            return Results.error(s, null, ErrorCode.MALFORMED_PAYLOAD,
                    "topic, content type or a user property longer than 65,535 bytes");
        }
        return null;
    }

    private static String missingSampleId(Sample s) {
        return s.correlationData() == null || s.correlationData().length == 0
                ? "sample has no sample id (MQTT 5 correlation data)" : "sample id (MQTT 5 correlation data) is not UTF-8";
    }

    private void enqueue(Sample s) {
        try {
            workers.execute(new SampleTask(s));
        } catch (RejectedExecutionException full) {
            if (workers.isShutdown()) {
                return; // stays in the journal's inbox: the next run answers it
            }
            publish(s, Results.error(s, null, ErrorCode.OVERLOADED,
                    "gateway queue full (" + settings.queueCapacity() + " samples waiting); retry later"));
        }
    }

    /** Delivery thread: hand the reply to the waiting request; decoding happens in its completion. */
    void onReply(BusMessage m) {
        String key = m.correlationData() == null ? null : new String(m.correlationData(), StandardCharsets.UTF_8);
        if (!offloads.complete(key, m)) {
            counters.lateReplies.increment();
            LOG.log(Level.DEBUG, "reply without a pending request (late or foreign): {0}", key);
        }
    }

    private final class SampleTask implements Runnable {
        final Sample sample;

        SampleTask(Sample sample) {
            this.sample = sample;
        }

        @Override
        public void run() {
            processBatch(collectBatch(sample));
        }
    }

    /**
     * Worker thread, dynamic batching: the sample this worker took and the samples waiting in the queue behind it, up
     * to {@code max.batch.size}; with {@code max.batch.wait.ms} &gt; 0 it waits for more until that long after the
     * first sample arrived. Samples taken from the queue here belong to this task (the executor never runs them): they
     * are answered by {@link #processBatch}, and a sample still queued at a forced stop stays in the journal's inbox.
     */
    private List<Sample> collectBatch(Sample first) {
        GatewaySettings now = settings;
        int max = now.maxBatchSize();
        if (max == 1) {
            return List.of(first);
        }
        List<Sample> batch = new ArrayList<>(Math.min(max, 64));
        batch.add(first);
        BlockingQueue<Runnable> queue = workers.getQueue();
        long waitNanos = TimeUnit.MILLISECONDS.toNanos(now.maxBatchWaitMs());
        while (batch.size() < max) {
            Runnable next = queue.poll();
            if (next == null && waitNanos > 0 && !stopping && !workers.isShutdown()) {
                long left = first.receivedNanos() + waitNanos - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    next = queue.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // a forced stop: answer what was taken, leave the rest queued
                    break;
                }
            }
            if (next == null) {
                break;
            }
            if (next instanceof SampleTask t) {
                batch.add(t.sample);
            } else {
                next.run(); // only SampleTasks are queued; anything else runs as the executor would have run it
            }
        }
        return batch;
    }

    /** A decoded sample, with the partition, model version and exit rule it runs with. */
    private record Prepared(Sample sample, EdgePartition partition, ModelDescriptor descriptor, ExitRule rule,
                            Tensor input) {
    }

    /**
     * Worker thread: decodes each sample on its own (a sample that cannot be decoded is answered with its error and
     * leaves the batch), runs the edge partition once for the samples of each model version, then takes each sample's
     * own exit decision and answers or offloads it. Never throws; every sample gets exactly one result.
     */
    private void processBatch(List<Sample> batch) {
        if (batch.size() == 1) {
            process(batch.get(0), null);
            return;
        }
        Map<EdgePartition, List<Prepared>> groups = new LinkedHashMap<>();
        for (Sample s : batch) {
            ModelDescriptor[] model = {null};
            try {
                Prepared p = prepare(s, modelName(s), model);
                groups.computeIfAbsent(p.partition(), k -> new ArrayList<>()).add(p);
            } catch (HybridFogException e) {
                publish(s, Results.error(s, model[0], e.code(), e.getMessage()));
            } catch (RuntimeException | LinkageError | AssertionError e) {
                failed(s, model[0], e);
            }
        }
        groups.forEach(this::runBatch);
    }

    /** Runs the samples of one partition as one batch and answers each; see {@link #processBatch}. */
    private void runBatch(EdgePartition partition, List<Prepared> group) {
        List<Prepared> batch = new ArrayList<>(group.size());
        long[] rowShape = group.get(0).input().shape();
        for (Prepared p : group) {
            if (rowShape[0] == 1 && Arrays.equals(p.input().shape(), rowShape)) {
                batch.add(p);
            } else {
                runAlone(p); // not a single [1, ...] row like the others (never from the decoders): on its own
            }
        }
        if (batch.size() < 2) {
            batch.forEach(this::runAlone);
            return;
        }
        int n = batch.size();
        EdgeOutput out;
        long t0 = StageClock.now();
        try {
            out = partition.run(stack(batch, rowShape));
            counters.edgeRuns.increment();
            counters.edgeRunSamples.add(n);
        } catch (HybridFogException e) {
            if (e.code() == ErrorCode.UNKNOWN_MODEL) {
                // a model swap closed this version between picking and running: each runs once more, on the version
                // registered now, as a sample alone does
                for (Prepared p : batch) {
                    counters.swapRetries.increment();
                    process(p.sample(), partition);
                }
                return;
            }
            LOG.log(Level.WARNING, "a batch of " + n + " samples failed (" + e.getMessage() + "); running them one by one");
            batch.forEach(this::runAlone); // each gets its own answer or its own error
            return;
        } catch (RuntimeException | LinkageError | AssertionError e) {
            LOG.log(Level.WARNING, "a batch of " + n + " samples failed (" + e + "); running them one by one");
            batch.forEach(this::runAlone);
            return;
        } finally {
            counters.stages.add(GatewayMetrics.Stage.EDGE, t0);
        }
        for (int i = 0; i < n; i++) {
            Prepared p = batch.get(i);
            Sample s = p.sample();
            ModelDescriptor d = p.descriptor();
            try {
                float[] exitLogits = firstRow(row(out.exitLogits(), i, n, "exit logits"), d.numClasses(), "exit logits");
                answer(s, d, p.rule(), exitLogits, row(out.features(), i, n, "features"));
            } catch (HybridFogException e) {
                publish(s, Results.error(s, d, e.code(), e.getMessage()));
            } catch (RuntimeException | LinkageError | AssertionError e) {
                failed(s, d, e);
            }
        }
    }

    /** Runs one decoded sample alone (its batch failed, or it has no batch mates) and answers it. Never throws. */
    private void runAlone(Prepared p) {
        Sample s = p.sample();
        ModelDescriptor d = p.descriptor();
        try {
            EdgeOutput out;
            long t0 = StageClock.now();
            try {
                out = p.partition().run(p.input());
                counters.edgeRuns.increment();
                counters.edgeRunSamples.increment();
            } catch (HybridFogException e) {
                if (e.code() != ErrorCode.UNKNOWN_MODEL) {
                    throw e;
                }
                counters.swapRetries.increment();
                process(s, p.partition()); // swapped out: once more on the version registered now
                return;
            } finally {
                counters.stages.add(GatewayMetrics.Stage.EDGE, t0);
            }
            answer(s, d, p.rule(), firstRow(out.exitLogits(), d.numClasses(), "exit logits"), out.features());
        } catch (HybridFogException e) {
            publish(s, Results.error(s, d, e.code(), e.getMessage()));
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed(s, d, e);
        }
    }

    /**
     * Worker thread, one sample alone: decode, edge partition, exit decision; then answer or offload. Never throws.
     *
     * @param swappedOut a partition a model swap closed before this sample ran on it (it is not retried), or null
     */
    private void process(Sample s, EdgePartition swappedOut) {
        ModelDescriptor[] model = {null}; // the version the sample runs on, once known: error results name it
        try {
            EdgeRun run = runEdge(s, modelName(s), model, swappedOut);
            ModelDescriptor d = run.descriptor();
            answer(s, d, run.rule(), firstRow(run.output().exitLogits(), d.numClasses(), "exit logits"),
                    run.output().features());
        } catch (HybridFogException e) {
            publish(s, Results.error(s, model[0], e.code(), e.getMessage()));
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed(s, model[0], e);
        }
    }

    private void failed(Sample s, ModelDescriptor model, Throwable e) {
        LOG.log(Level.ERROR, "sample " + s.sampleId() + " from " + s.deviceId() + " failed", e);
        publish(s, Results.error(s, model, ErrorCode.INTERNAL, "internal error: " + e));
    }

    /** The sample's own exit decision from its exit logits; answers it at the edge or offloads its features. */
    private void answer(Sample s, ModelDescriptor d, ExitRule rule, float[] exitLogits, Tensor features)
            throws HybridFogException {
        long t0 = StageClock.now();
        ExitDecision decision = rule.policy().decide(exitLogits, rule.threshold());
        counters.stages.add(GatewayMetrics.Stage.EDGE, t0);
        if (decision.exitAtEdge()) {
            counters.edgeExits.increment();
            publish(s, results.edge(s, d, decision));
        } else {
            offload(s, d, decision, features);
        }
    }

    /** The model a sample asks for (user property {@value #MODEL_PROPERTY}), else the configured one. */
    private String modelName(Sample s) throws HybridFogException {
        if (s.sampleId() == null) {
            throw new HybridFogException(ErrorCode.MISSING_SAMPLE_ID, missingSampleId(s)); // from an older journal
        }
        return s.message().userProperties().getOrDefault(MODEL_PROPERTY, settings.model());
    }

    /** The edge partition's output for a sample, with the model version and exit rule that produced it. */
    private record EdgeRun(ModelDescriptor descriptor, ExitRule rule, EdgeOutput output) {
    }

    /** Picks the installed version of {@code modelName} for a sample and decodes the sample for it. */
    private Prepared prepare(Sample s, String modelName, ModelDescriptor[] model) throws HybridFogException {
        Collection<? extends EdgePartition> installed = partitions.get();
        EdgePartition partition = Partitions.newest(installed, modelName);
        if (partition == null) {
            throw new HybridFogException(ErrorCode.UNKNOWN_MODEL, "no edge partition of model '" + modelName
                    + "' is installed; installed: " + Partitions.installed(installed));
        }
        ModelDescriptor d = partition.descriptor();
        model[0] = d;
        ExitRule rule = exitRule(d);
        long t0 = StageClock.now();
        try {
            return new Prepared(s, partition, d, rule, decoder(d).decode(s.message().payload()));
        } finally {
            counters.stages.add(GatewayMetrics.Stage.DECODE, t0);
        }
    }

    /**
     * Decodes the sample for the installed version of {@code modelName} and runs its edge partition. A model swap
     * may close the version picked here before it runs (it was unregistered in between): the sample then runs once
     * more, on the version registered now.
     */
    private EdgeRun runEdge(Sample s, String modelName, ModelDescriptor[] model, EdgePartition swappedOut)
            throws HybridFogException {
        while (true) {
            Prepared p = prepare(s, modelName, model);
            long t0 = StageClock.now();
            try {
                EdgeOutput out = p.partition().run(p.input());
                counters.edgeRuns.increment();
                counters.edgeRunSamples.increment();
                return new EdgeRun(p.descriptor(), p.rule(), out);
            } catch (HybridFogException e) {
                if (e.code() != ErrorCode.UNKNOWN_MODEL || p.partition() == swappedOut) {
                    throw e;
                }
                swappedOut = p.partition();
                counters.swapRetries.increment();
            } finally {
                counters.stages.add(GatewayMetrics.Stage.EDGE, t0);
            }
        }
    }

    /** The rows of a batch, each of shape {@code rowShape} = [1, ...], as one tensor [N, ...]. */
    private static Tensor stack(List<Prepared> rows, long[] rowShape) {
        int size = rows.get(0).input().size();
        float[] data = new float[Math.multiplyExact(size, rows.size())];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i).input().data(), 0, data, i * size, size);
        }
        long[] shape = rowShape.clone();
        shape[0] = rows.size();
        return new Tensor(shape, data);
    }

    /** Row {@code i} of a batch output [n, ...], as a tensor [1, ...]. */
    private static Tensor row(Tensor t, int i, int n, String what) throws HybridFogException {
        long[] shape = t.shape();
        if (shape.length < 2 || shape[0] != n) {
            throw new HybridFogException(ErrorCode.INTERNAL, what + " of a batch of " + n + " have shape "
                    + Arrays.toString(shape));
        }
        int size = t.size() / n;
        long[] one = shape.clone();
        one[0] = 1;
        return new Tensor(one, Arrays.copyOfRange(t.data(), i * size, (i + 1) * size));
    }

    private void offload(Sample s, ModelDescriptor d, ExitDecision decision, Tensor features) throws HybridFogException {
        TensorCodec.Encoding enc = d.features().binary() ? TensorCodec.Encoding.BINARY : TensorCodec.Encoding.FLOAT32;
        long t0 = StageClock.now();
        byte[] hft = TensorCodec.encode(features, enc, d.name(), d.version());
        t0 = counters.stages.add(GatewayMetrics.Stage.ENCODE, t0);
        OffloadTracker.Pending request = offloads.register();
        counters.offloads.increment();
        request.reply().whenComplete((reply, error) -> finishOffload(s, d, decision, hft.length, reply, error));
        BusMessage m = new BusMessage(settings.offloadTopicPrefix() + d.name(), hft, settings.repliesTopic(),
                request.keyBytes(), CloudReplies.TENSOR_CONTENT_TYPE, Map.of());
        bus.publish(m).whenComplete((ok, error) -> {
            if (error != null) {
                counters.publishFailures.increment();
                Throwable cause = unwrap(error);
                // too large never fits: an error the operator sees, not a fallback that hides a misconfiguration
                offloads.fail(request.key(), cause instanceof PacketTooLargeException
                        ? new HybridFogException(ErrorCode.PAYLOAD_TOO_LARGE, "the offload of " + d.id()
                                + " cannot be sent: " + cause.getMessage())
                        : new HybridFogException(ErrorCode.OFFLOAD_FAILED, "cannot send the offload request: "
                                + cause.getMessage()));
            }
        });
        counters.stages.add(GatewayMetrics.Stage.MQTT, t0);
    }

    /** Reply, failure or timeout of an offload; runs on the delivery or timer thread, never throws. */
    private void finishOffload(Sample s, ModelDescriptor d, ExitDecision decision, long offloadBytes, BusMessage reply,
                               Throwable error) {
        try {
            if (error != null && stopping) {
                return; // stays in the journal's inbox: the next run answers it
            }
            if (error != null) {
                Throwable cause = unwrap(error);
                ErrorCode code = cause instanceof HybridFogException h ? h.code() : ErrorCode.OFFLOAD_FAILED;
                if (code == ErrorCode.OFFLOAD_FAILED && settings.offloadFallback()) {
                    // the device gets the early exit's answer rather than none; a late cloud reply is dropped
                    counters.fallbacks.increment();
                    LOG.log(Level.DEBUG, "sample {0}: {1}; answered by the early exit", s.sampleId(), cause.getMessage());
                    publish(s, results.fallback(s, d, decision, offloadBytes));
                    return;
                }
                publish(s, Results.error(s, d, code, cause.getMessage(), offloadBytes));
                return;
            }
            double[] p = Softmax.probabilities(CloudReplies.logits(reply, d));
            counters.cloudResults.increment();
            publish(s, results.cloud(s, d, decision, p, offloadBytes));
        } catch (HybridFogException e) {
            publish(s, Results.error(s, d, e.code(), e.getMessage(), offloadBytes));
        } catch (RuntimeException | LinkageError | AssertionError e) {
            LOG.log(Level.ERROR, "completing offloaded sample " + s.sampleId() + " failed", e);
            publish(s, Results.error(s, d, ErrorCode.INTERNAL, "internal error: " + e, offloadBytes));
        }
    }

    /** Publishes the one result of a sample through the journal. */
    private void publish(Sample s, InferenceResult r) {
        BusMessage message = resultMessage(s, r);
        long t0 = StageClock.now();
        journal.record(s.key(), message); // publishes after the commit; counts resultsPublished/publishFailures
        counters.stages.add(GatewayMetrics.Stage.JOURNAL, t0);
    }

    /**
     * The result message of a sample, with its latency, counted by error code; a result that cannot be encoded
     * becomes an INTERNAL error.
     */
    private BusMessage resultMessage(Sample s, InferenceResult r) {
        long t0 = StageClock.now();
        try {
            return encodeResult(s, r);
        } finally {
            counters.stages.add(GatewayMetrics.Stage.ENCODE, t0);
        }
    }

    private BusMessage encodeResult(Sample s, InferenceResult r) {
        InferenceResult timed = Results.withLatency(r, s.elapsedMs());
        byte[] json;
        try {
            json = ResultCodec.toJson(timed);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.ERROR, "cannot encode result of sample " + s.sampleId() + ": " + e.getMessage());
            timed = Results.withLatency(Results.error(s, null, ErrorCode.INTERNAL, "result not encodable: " + e.getMessage()),
                    s.elapsedMs());
            json = ResultCodec.toJson(timed);
        }
        if (timed.isError()) {
            counters.error(timed.error());
        }
        Collection<? extends ResultObserver> watching = observers.get();
        for (ResultObserver o : watching == null ? List.<ResultObserver>of() : watching) {
            try {
                o.onResult(settings.gatewayId(), timed);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "result observer " + o + " failed: " + e);
            }
        }
        return new BusMessage(settings.resultsTopicPrefix() + s.deviceId(), json, null, s.correlationData(),
                CloudReplies.JSON_CONTENT_TYPE, Map.of());
    }

    private ExitRule exitRule(ModelDescriptor d) throws HybridFogException {
        try {
            return ExitRule.resolve(d, policies.get(), settings.exitPolicy(), settings.exitThreshold());
        } catch (SettingException e) {
            throw new HybridFogException(ErrorCode.INTERNAL, "gateway configuration: " + e.getMessage());
        }
    }

    private SampleDecoder decoder(ModelDescriptor d) {
        return decoders.computeIfAbsent(d.id(), id -> new SampleDecoder(d.input(), settings.maxPayloadBytes()));
    }

    /** Row 0 of a [1, n] tensor. */
    private static float[] firstRow(Tensor t, int n, String what) throws HybridFogException {
        if (t.shape().length != 2 || t.shape()[0] != 1 || t.shape()[1] != n) {
            throw new HybridFogException(ErrorCode.INTERNAL, what + " have shape " + Arrays.toString(t.shape())
                    + ", expected [1, " + n + "]");
        }
        return t.data();
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static void closeQuietly(Subscription s) {
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "unsubscribe failed: " + e);
            }
        }
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        java.util.concurrent.ThreadFactory base = Executors.defaultThreadFactory();
        return r -> {
            Thread t = base.newThread(r);
            t.setName(name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
