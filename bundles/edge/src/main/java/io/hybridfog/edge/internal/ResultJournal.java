package io.hybridfog.edge.internal;

import io.hybridfog.api.transport.Acknowledgement;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.api.transport.PacketTooLargeException;
import io.hybridfog.api.transport.PublishRefusedException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

/**
 * The gateway's store-and-forward journal: what makes "every sample gets exactly one answer" hold across broker
 * outages and gateway restarts. Kept in an H2 MVStore file (in memory when no folder is given):
 * <ul>
 * <li>{@code inbox}: samples taken and not answered yet; the next run processes them again;</li>
 * <li>{@code answered}: (device, sample id) of every sample answered in the last {@code windowMs} (at most
 * {@code capacity}), so a redelivered sample is neither classified nor answered again, also after a restart;</li>
 * <li>{@code outbox}: results the broker has not acknowledged yet, sent again when the gateway starts.</li>
 * </ul>
 * A sample's life: {@link #admit} puts it in the inbox (a copy of a sample in the inbox or answered is not taken
 * again); a group commit every {@value #COMMIT_MS} ms writes it and acknowledges it to the broker (MQTT PUBACK). So
 * a sample is acknowledged once it is on disk, not once it is answered: an acknowledgement never waits for the cloud,
 * and the broker's in-flight window towards the gateway (which also carries the cloud's replies) never fills with
 * samples waiting for their offload. {@link #record} moves the sample's result to the outbox; after the next commit
 * it is published, and it leaves the outbox on its PUBACK. A result whose publish fails for want of a connection
 * stays in the outbox and is sent again every {@value #RETRY_MS} ms while connected; one the broker refuses for good
 * (too large, not authorized) is dropped and counted. When the outbox holds {@code capacity} results, the journal
 * takes no more samples ({@link #admit} answers FULL): the gateway then answers OVERLOADED.
 *
 * <p>Durability: a commit is written to the file before anything is acknowledged or published, so a killed process
 * loses nothing; the operating system's write cache is not flushed (fsync), so a power failure may. Thread-safe.
 */
final class ResultJournal implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ResultJournal.class.getName());
    static final long COMMIT_MS = 10;
    static final long RETRY_MS = 2000;
    private static final long CLOSE_WAIT_MS = 3000;

    /** Outcome of {@link #admit}. */
    enum Admission {
        /** First copy: in the inbox now; process it and {@link #record} its result. */
        NEW,
        /** Another copy of a sample in the inbox: acknowledged with the next commit, nothing to do. */
        IN_PROGRESS,
        /** Already answered: acknowledged now, nothing to do. */
        ANSWERED,
        /** The outbox is full (the broker has not taken results for a long time): answer without journaling. */
        FULL
    }

    /** A sample the last run took and did not answer. */
    record Unanswered(String key, BusMessage sample) {
    }

    private record Recorded(long id, BusMessage result) {
    }

    private final MessageBus bus;
    private final MVStore store;
    private final MVMap<String, Long> answered; // key -> epoch ms answered
    private final MVMap<Long, String> answeredOrder; // sequence -> key, for pruning oldest first
    private final MVMap<Long, byte[]> outbox; // sequence -> encoded result
    private final MVMap<String, byte[]> inbox; // key -> encoded sample
    private final int capacity;
    private final long windowMs;
    private final AtomicLong sequence;
    private final List<Acknowledgement> toAcknowledge = new ArrayList<>(); // guarded by this: after the next commit
    private final List<Recorded> uncommitted = new ArrayList<>(); // guarded by this: to publish after the next commit
    private final List<Unanswered> unanswered;
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<Long> toRetry = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private final LongAdder published;
    private final LongAdder failed;
    private volatile boolean closed;
    private volatile int outboxAtClose = -1;

    /**
     * Opens (or creates) the journal and sends the results a previous run left in its outbox; the samples it left
     * unanswered are in {@link #unanswered()}.
     *
     * @param dir       folder of the journal file {@code journal.mv.db}; null keeps it in memory (no restart safety)
     * @param capacity  most answered sample ids remembered and most results in the outbox
     * @param windowMs  how long an answered sample id is remembered, ms
     * @param published counts results the broker acknowledged
     * @param failed    counts results the broker refused for good
     * @throws UncheckedIOException if the folder cannot be created or the file is not a readable journal (e.g. in
     *                              use by another gateway process)
     */
    ResultJournal(MessageBus bus, Path dir, int capacity, long windowMs, String name, LongAdder published, LongAdder failed) {
        this.bus = bus;
        this.capacity = capacity;
        this.windowMs = windowMs;
        this.published = published;
        this.failed = failed;
        this.store = open(dir);
        this.answered = store.openMap("answered");
        this.answeredOrder = store.openMap("answeredOrder");
        this.outbox = store.openMap("outbox");
        this.inbox = store.openMap("inbox");
        List<Unanswered> left = new ArrayList<>();
        inbox.forEach((k, v) -> left.add(new Unanswered(k, decode(v))));
        this.unanswered = List.copyOf(left);
        Long lastOut = outbox.lastKey();
        Long lastAnswered = answeredOrder.lastKey();
        this.sequence = new AtomicLong(Math.max(lastOut == null ? 0 : lastOut, lastAnswered == null ? 0 : lastAnswered));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hybridfog-edge-journal-" + name);
            t.setDaemon(true);
            return t;
        });
        if (!outbox.isEmpty()) {
            LOG.log(Level.INFO, "journal {0}: sending {1} results left from the last run", describe(dir), outbox.size());
            for (Long id : List.copyOf(outbox.keySet())) {
                send(id, decode(outbox.get(id)));
            }
        }
        timer.scheduleWithFixedDelay(this::commitQuietly, COMMIT_MS, COMMIT_MS, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::retry, RETRY_MS, RETRY_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * A sample arrived ({@code key}: device and sample id; unique per sample for samples without id, which cannot be
     * deduplicated). The journal acknowledges it ({@code ack}) once it is on disk, or at once if already answered;
     * FULL leaves {@code ack} to the caller.
     */
    synchronized Admission admit(String key, BusMessage sample, Acknowledgement ack) {
        if (closed) {
            return Admission.IN_PROGRESS; // unacknowledged: the broker sends it to the next run
        }
        if (inbox.containsKey(key)) {
            toAcknowledge.add(ack);
            return Admission.IN_PROGRESS;
        }
        if (answered.containsKey(key)) {
            ack.acknowledge();
            return Admission.ANSWERED;
        }
        if (outbox.size() >= capacity) {
            return Admission.FULL;
        }
        inbox.put(key, encode(sample));
        toAcknowledge.add(ack);
        return Admission.NEW;
    }

    /** Samples the last run took and did not answer, to be processed (again) by this one. */
    List<Unanswered> unanswered() {
        return unanswered;
    }

    /**
     * The one result of a sample taken by {@link #admit} (or listed by {@link #unanswered}): the sample leaves the
     * inbox, the result goes to the outbox and is published after the next commit. Ignored once closed (the sample
     * stays in the inbox for the next run).
     */
    synchronized void record(String key, BusMessage result) {
        if (closed) {
            return;
        }
        long id = sequence.incrementAndGet();
        outbox.put(id, encode(result));
        inbox.remove(key);
        answered.put(key, System.currentTimeMillis());
        answeredOrder.put(id, key);
        uncommitted.add(new Recorded(id, result));
    }

    /**
     * Publishes a result without journaling it (the outbox is full, or the sample could not be taken); {@code ack}
     * runs on the broker's PUBACK, so the sample is redelivered if the result is lost.
     */
    void publishUnjournaled(BusMessage result, Acknowledgement ack) {
        bus.publish(result).whenComplete((ok, error) -> {
            if (error == null) {
                published.increment();
                ack.acknowledge();
            } else {
                failed.increment();
                LOG.log(Level.WARNING, "result to " + result.topic() + " not published: " + unwrap(error).getMessage()
                        + "; the sample stays unacknowledged and is redelivered after a reconnect");
            }
        });
    }

    /** Results waiting for the broker's acknowledgement (when closed: as the journal was closed). */
    int outboxSize() {
        int atClose = outboxAtClose;
        return atClose >= 0 ? atClose : outbox.size();
    }

    /** Answered sample ids remembered. */
    int answeredSize() {
        return answered.size();
    }

    /**
     * Commits what was recorded, waits up to 3 s for the broker to acknowledge the results in flight (what it has
     * not is sent again by the next run) and closes the file. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        timer.shutdownNow();
        try {
            timer.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
            commit();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
            while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (MVStoreException e) {
            LOG.log(Level.ERROR, "journal commit failed while closing: " + e.getMessage());
        }
        synchronized (this) {
            outboxAtClose = outbox.size();
            store.close();
        }
    }

    private void commitQuietly() {
        try {
            commit();
            prune();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "journal commit failed; samples stay unacknowledged and are redelivered", e);
        }
    }

    private void commit() {
        List<Recorded> batch;
        List<Acknowledgement> acks;
        synchronized (this) {
            if ((uncommitted.isEmpty() && toAcknowledge.isEmpty()) || store.isClosed()) {
                return;
            }
            store.commit();
            batch = List.copyOf(uncommitted);
            uncommitted.clear();
            acks = List.copyOf(toAcknowledge);
            toAcknowledge.clear();
        }
        acks.forEach(Acknowledgement::acknowledge);
        for (Recorded r : batch) {
            send(r.id(), r.result());
        }
    }

    private void send(long id, BusMessage result) {
        inFlight.add(id);
        toRetry.remove(id);
        bus.publish(result).whenComplete((ok, error) -> {
            inFlight.remove(id);
            Throwable cause = error == null ? null : unwrap(error);
            if (cause == null || cause instanceof PacketTooLargeException || cause instanceof PublishRefusedException
                    || cause instanceof IllegalArgumentException) {
                if (cause == null) {
                    published.increment();
                } else {
                    failed.increment();
                    LOG.log(Level.WARNING, "result to " + result.topic() + " refused for good, dropped: " + cause.getMessage());
                }
                removeFromOutbox(id);
            } else if (!closed) {
                toRetry.add(id); // not connected, queue full, bus closing: the next retry or the next run sends it
                LOG.log(Level.DEBUG, "result to {0} not sent yet: {1}", result.topic(), cause.getMessage());
            }
        });
    }

    private synchronized void removeFromOutbox(long id) {
        if (!store.isClosed()) {
            outbox.remove(id);
        }
    }

    private void retry() {
        if (toRetry.isEmpty() || !bus.isConnected()) {
            return;
        }
        for (Iterator<Long> it = toRetry.iterator(); it.hasNext(); ) {
            Long id = it.next();
            it.remove();
            byte[] encoded = outbox.get(id);
            if (encoded != null && !inFlight.contains(id)) {
                send(id, decode(encoded));
            }
        }
    }

    /** Drops answered ids older than the window, and the oldest beyond capacity. */
    private synchronized void prune() {
        if (store.isClosed()) {
            return;
        }
        long oldest = System.currentTimeMillis() - windowMs;
        while (!answeredOrder.isEmpty()) {
            Long first = answeredOrder.firstKey();
            String key = answeredOrder.get(first);
            Long at = answered.get(key);
            if (answeredOrder.size() <= capacity && at != null && at >= oldest) {
                break;
            }
            answeredOrder.remove(first);
            if (at != null) {
                answered.remove(key);
            }
        }
    }

    private static MVStore open(Path dir) {
        MVStore.Builder b = new MVStore.Builder().autoCommitDisabled();
        if (dir != null) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the journal folder " + dir + ": " + e.getMessage(), e);
            }
            b.fileName(dir.resolve("journal.mv.db").toString());
        }
        try {
            return b.open();
        } catch (MVStoreException e) {
            throw new UncheckedIOException(new IOException("cannot open the journal in " + dir + " (in use by another "
                    + "gateway, or not a journal file): " + e.getMessage(), e));
        }
    }

    private static String describe(Path dir) {
        return dir == null ? "(in memory)" : dir.toString();
    }

    /** Topic, correlation data, content type, payload and user properties (no response topic: not needed). */
    static byte[] encode(BusMessage m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(m.payload().length + 128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(m.topic());
            writeBytes(out, m.correlationData());
            out.writeUTF(m.contentType() == null ? "" : m.contentType());
            writeBytes(out, m.payload());
            out.writeInt(m.userProperties().size());
            for (Map.Entry<String, String> p : m.userProperties().entrySet()) {
                out.writeUTF(p.getKey());
                out.writeUTF(p.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    static BusMessage decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            String topic = in.readUTF();
            byte[] correlation = readBytes(in);
            String contentType = in.readUTF();
            byte[] payload = readBytes(in);
            Map<String, String> properties = new java.util.LinkedHashMap<>();
            for (int n = in.available() > 0 ? in.readInt() : 0; n > 0; n--) {
                properties.put(in.readUTF(), in.readUTF());
            }
            return new BusMessage(topic, payload, null, correlation, contentType.isEmpty() ? null : contentType, properties);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt journal entry: " + e.getMessage(), e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        return n < 0 ? null : in.readNBytes(n);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
