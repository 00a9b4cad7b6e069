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
import java.util.HashMap;
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
 * <li>{@code answered}: (device, sample id) of every sample answered in the last {@code windowMs} (at most
 * {@code capacity}), so a redelivered sample is neither classified nor answered again, also after a restart;</li>
 * <li>{@code outbox}: results the broker has not acknowledged yet, sent again when the gateway starts.</li>
 * </ul>
 * A sample's life: {@link #admit} (a copy of a sample that is in progress or answered is not processed again),
 * {@link #record} its result, then a group commit every {@code commitMs} writes the batch, acknowledges the samples
 * to the broker (MQTT PUBACK) and publishes the results; a result leaves the outbox on its PUBACK. So a sample is
 * acknowledged only once its answer is on disk: if the gateway stops before, the broker redelivers the sample.
 * A result whose publish fails for want of a connection stays in the outbox and is sent again every
 * {@code retryMs} while connected; one the broker refuses for good (too large, not authorized) is dropped and
 * counted. When the outbox holds {@code capacity} results, further results bypass it: they are published directly
 * and their samples acknowledged on PUBACK (at least once, not surviving a restart).
 *
 * <p>Durability: a commit is written to the file before anything is acknowledged, so a killed process loses
 * nothing; the operating system's write cache is not flushed (fsync), so a power failure may. Thread-safe.
 */
final class ResultJournal implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ResultJournal.class.getName());
    static final long COMMIT_MS = 10;
    static final long RETRY_MS = 2000;
    private static final long CLOSE_WAIT_MS = 3000;

    /** Outcome of {@link #admit}. */
    enum Admission {
        /** First copy: process it and {@link #record} its result. */
        NEW,
        /** Another copy of a sample being processed: acknowledged together with the first. */
        IN_PROGRESS,
        /** Already answered: acknowledged now, nothing to do. */
        ANSWERED
    }

    private record Recorded(String key, long id, BusMessage result, Acknowledgement ack) {
    }

    private final MessageBus bus;
    private final MVStore store;
    private final MVMap<String, Long> answered; // key -> epoch ms answered
    private final MVMap<Long, String> answeredOrder; // sequence -> key, for pruning oldest first
    private final MVMap<Long, byte[]> outbox; // sequence -> encoded result
    private final int capacity;
    private final long windowMs;
    private final AtomicLong sequence;
    private final Map<String, List<Acknowledgement>> inProgress = new HashMap<>(); // guarded by this
    private final List<Recorded> uncommitted = new ArrayList<>(); // guarded by this
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<Long> toRetry = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private final LongAdder published;
    private final LongAdder failed;
    private volatile boolean closed;
    private volatile int outboxAtClose = -1;

    /**
     * Opens (or creates) the journal and sends the results a previous run left in its outbox.
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
     * A sample arrived. {@code key} null (a sample without id) is always NEW and cannot be deduplicated.
     * For IN_PROGRESS and ANSWERED the journal takes care of {@code ack}.
     */
    synchronized Admission admit(String key, Acknowledgement ack) {
        if (key == null) {
            return Admission.NEW;
        }
        List<Acknowledgement> waiting = inProgress.get(key);
        if (waiting != null) {
            waiting.add(ack);
            return Admission.IN_PROGRESS;
        }
        if (answered.containsKey(key)) {
            ack.acknowledge();
            return Admission.ANSWERED;
        }
        inProgress.put(key, new ArrayList<>(List.of(ack)));
        return Admission.NEW;
    }

    /**
     * The one result of an admitted sample: stored, then (after the next commit) published, with the sample and its
     * copies acknowledged. {@code ack} is the sample's acknowledgement when {@code key} is null.
     */
    void record(String key, BusMessage result, Acknowledgement ack) {
        if (closed) {
            return; // the sample stays unacknowledged: the broker redelivers it to the next run
        }
        synchronized (this) {
            if (outbox.size() >= capacity) {
                bypass(key, result, ack);
                return;
            }
            long id = sequence.incrementAndGet();
            outbox.put(id, encode(result));
            if (key != null) {
                answered.put(key, System.currentTimeMillis());
                answeredOrder.put(id, key);
            }
            uncommitted.add(new Recorded(key, id, result, ack));
        }
    }

    /** Forgets a sample that will not be answered by this run (gateway stopping): it stays unacknowledged. */
    synchronized void abandon(String key) {
        if (key != null) {
            inProgress.remove(key);
        }
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
        List<Acknowledgement> acks = new ArrayList<>();
        synchronized (this) {
            if (uncommitted.isEmpty() || store.isClosed()) {
                return;
            }
            store.commit();
            batch = List.copyOf(uncommitted);
            uncommitted.clear();
            for (Recorded r : batch) {
                List<Acknowledgement> copies = r.key() == null ? null : inProgress.remove(r.key());
                if (copies != null) {
                    acks.addAll(copies);
                } else if (r.ack() != null) {
                    acks.add(r.ack());
                }
            }
        }
        acks.forEach(Acknowledgement::acknowledge);
        for (Recorded r : batch) {
            send(r.id(), r.result());
        }
    }

    /** Journal full: publish directly, acknowledge the sample on PUBACK. Caller holds the lock. */
    private void bypass(String key, BusMessage result, Acknowledgement ack) {
        List<Acknowledgement> copies = key == null ? List.of(ack) : inProgress.remove(key);
        LOG.log(Level.WARNING, "journal full ({0} results waiting for the broker): result published without it", capacity);
        bus.publish(result).whenComplete((ok, error) -> {
            if (error == null) {
                published.increment();
                if (copies != null) {
                    copies.forEach(Acknowledgement::acknowledge);
                }
            } else {
                failed.increment();
                LOG.log(Level.WARNING, "result to " + result.topic() + " not published: " + unwrap(error).getMessage()
                        + "; the sample stays unacknowledged and is redelivered after a reconnect");
            }
        });
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

    /** Topic, correlation data, content type and payload; results carry nothing else. */
    static byte[] encode(BusMessage m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(m.payload().length + 128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(m.topic());
            writeBytes(out, m.correlationData());
            out.writeUTF(m.contentType() == null ? "" : m.contentType());
            writeBytes(out, m.payload());
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
            return new BusMessage(topic, payload, null, correlation, contentType.isEmpty() ? null : contentType, Map.of());
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
