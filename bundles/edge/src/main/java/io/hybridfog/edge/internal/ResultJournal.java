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
import java.util.concurrent.RejectedExecutionException;
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
 * again); a group commit writes it and acknowledges it to the broker (MQTT PUBACK) within {@value #COMMIT_MS} ms. So
 * a sample is acknowledged once it is on disk, not once it is answered: an acknowledgement never waits for the cloud,
 * and the broker's in-flight window towards the gateway (which also carries the cloud's replies) never fills with
 * samples waiting for their offload. {@link #record} moves the sample's result to the outbox and asks for a commit
 * at once (at most one every {@value #RESULT_COMMIT_GAP_MS} ms: under load each commit takes many results along);
 * after that commit it is published, and it leaves the outbox on its PUBACK. A result whose publish fails for want of a connection
 * stays in the outbox and is sent again every {@value #RETRY_MS} ms while connected; one the broker refuses for good
 * (too large, not authorized) is dropped and counted. When the outbox holds {@code capacity} results, the journal
 * takes no more samples ({@link #admit} answers FULL): the gateway then answers OVERLOADED.
 *
 * <p>Size on disk: the journal (its MVStore file and its sample files) stays under {@code maxBytes}. A sample is
 * taken only while the samples in the inbox and the journal on disk (with what the next commit adds) stay under 3/4
 * of it ({@link #admit} answers NO_SPACE otherwise: the gateway answers JOURNAL_FULL without writing anything); the
 * last quarter is room for the answers of the samples already taken and for the copy-on-write pages of the next
 * commits. Nothing the journal holds is dropped to make room. Samples larger than {@value #INLINE_MAX_BYTES} bytes
 * are not kept in the MVStore file but each in a file of its own in {@code samples/} (written before the commit that
 * acknowledges it, deleted after the commit that answers it): MVStore writes every commit to a new place, rewrites
 * a neighbour's page when a page splits and reuses dead space only after a retention time (45 s), so large values
 * would make it write and keep several times their size; a sample file gives its space back at once. The MVStore
 * file itself holds small entries only; every {@value #HOUSEKEEPING_MS} ms the journal compacts it (fsync before
 * anything is overwritten) when it is above 1/2 of the limit or mostly dead space, and at once after refusing a
 * sample for want of space.
 *
 * <p>Durability: a commit is written to the file before anything is acknowledged or published, so a killed process
 * loses nothing; the operating system's write cache is not flushed (fsync), so a power failure may. Thread-safe.
 */
final class ResultJournal implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ResultJournal.class.getName());
    static final long COMMIT_MS = 10;
    /**
     * Least time between the starts of two commits that a recorded result asks for, ms, per result the last commit
     * published (at most {@link #COMMIT_MS}): an isolated result is committed at once, and under load commits space
     * out to one every {@value #COMMIT_MS} ms, each taking many results along.
     */
    static final long RESULT_COMMIT_GAP_MS = 2;
    static final long RETRY_MS = 2000;
    static final long HOUSEKEEPING_MS = 1000;
    /** Samples encoded larger than this go to a file of their own. */
    static final int INLINE_MAX_BYTES = 16 * 1024;
    private static final byte[] SPILLED = new byte[0]; // inbox value of a sample kept in a file (an encoding is longer)
    /** Longest compaction run, ms (MVStore checks it between steps of up to 16 MiB of writes). */
    private static final int COMPACT_MS = 500;
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
        FULL,
        /** The sample does not fit in the journal's size on disk: answer without journaling. */
        NO_SPACE
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
    private final MVMap<String, byte[]> inbox; // key -> encoded sample, or SPILLED
    private final MVMap<String, String> spilled; // key -> "<file id>/<bytes>" of a sample kept in samples/
    private final Path spillDir; // null in memory
    private long nextFileId; // guarded by this
    private long spilledBytes; // guarded by this: bytes of the sample files not deleted yet
    private final List<Path> toDelete = new ArrayList<>(); // guarded by this: sample files to delete after the next commit
    private final int capacity;
    private final long windowMs;
    private final long maxBytes;
    private final long admitLimit; // samples are taken while the file and the inbox stay under this
    private final long compactAbove; // housekeeping compacts a file larger than this
    private final long shrinkFloor; // ... and one larger than this that is mostly dead space
    private final int retentionMs; // MVStore's, restored after each compaction (which sets it to 0)
    private long inboxBytes; // guarded by this: encoded samples in the inbox
    private long uncommittedBytes; // guarded by this: encoded samples put since the last commit
    private volatile boolean compactRequested;
    private final LongAdder compactions = new LongAdder();
    private final AtomicLong sequence;
    private final List<Acknowledgement> toAcknowledge = new ArrayList<>(); // guarded by this: after the next commit
    private final List<Recorded> uncommitted = new ArrayList<>(); // guarded by this: to publish after the next commit
    private final List<Unanswered> unanswered;
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<Long> toRetry = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private final LongAdder published;
    private final LongAdder failed;
    private final StageClock stages;
    private volatile boolean closed;
    private volatile int outboxAtClose = -1;
    private final java.util.concurrent.atomic.AtomicBoolean commitScheduled = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long lastCommitNanos = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(COMMIT_MS);
    private volatile int lastCommitResults; // results the last commit published

    /**
     * Opens (or creates) the journal and sends the results a previous run left in its outbox; the samples it left
     * unanswered are in {@link #unanswered()}.
     *
     * @param dir       folder of the journal file {@code journal.mv.db}; null keeps it in memory (no restart safety)
     * @param capacity  most answered sample ids remembered and most results in the outbox
     * @param windowMs  how long an answered sample id is remembered, ms
     * @param maxBytes  most bytes the journal file may take on disk (and the journal in memory without folder)
     * @param published counts results the broker acknowledged
     * @param failed    counts results the broker refused for good
     * @throws UncheckedIOException if the folder cannot be created or the file is not a readable journal (e.g. in
     *                              use by another gateway process)
     */
    ResultJournal(MessageBus bus, Path dir, int capacity, long windowMs, long maxBytes, String name, LongAdder published,
                  LongAdder failed) {
        this(bus, dir, capacity, windowMs, maxBytes, name, published, failed, new StageClock());
    }

    /** As above; {@code stages} gets the CPU time of commits (JOURNAL) and of publishing and acknowledging (MQTT). */
    ResultJournal(MessageBus bus, Path dir, int capacity, long windowMs, long maxBytes, String name, LongAdder published,
                  LongAdder failed, StageClock stages) {
        this.bus = bus;
        this.stages = stages;
        this.capacity = capacity;
        this.windowMs = windowMs;
        this.maxBytes = maxBytes;
        this.admitLimit = maxBytes / 4 * 3;
        this.compactAbove = maxBytes / 2;
        this.shrinkFloor = Math.min(16L << 20, maxBytes / 8);
        this.published = published;
        this.failed = failed;
        this.store = open(dir);
        this.retentionMs = store.getRetentionTime();
        this.answered = store.openMap("answered");
        this.answeredOrder = store.openMap("answeredOrder");
        this.outbox = store.openMap("outbox");
        this.inbox = store.openMap("inbox");
        this.spilled = store.openMap("spilled");
        this.spillDir = dir == null ? null : dir.resolve("samples");
        List<Unanswered> left = new ArrayList<>();
        long held = 0;
        Set<String> files = new java.util.HashSet<>();
        for (Map.Entry<String, byte[]> e : inbox.entrySet()) {
            String ref = spilled.get(e.getKey());
            byte[] encoded = e.getValue();
            if (ref != null) {
                Path file = spillDir.resolve(ref.substring(0, ref.indexOf('/')));
                files.add(file.getFileName().toString());
                nextFileId = Math.max(nextFileId, Long.parseLong(file.getFileName().toString()) + 1);
                try {
                    encoded = Files.readAllBytes(file);
                } catch (IOException ex) {
                    throw new UncheckedIOException("journal sample file " + file + " unreadable: " + ex.getMessage(), ex);
                }
                spilledBytes += encoded.length;
            }
            left.add(new Unanswered(e.getKey(), decode(encoded)));
            held += encoded.length;
        }
        this.inboxBytes = held;
        deleteOrphans(files);
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
        timer.scheduleWithFixedDelay(this::housekeeping, HOUSEKEEPING_MS, HOUSEKEEPING_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * A sample arrived ({@code key}: device and sample id; unique per sample for samples without id, which cannot be
     * deduplicated). The journal acknowledges it ({@code ack}) once it is on disk, or at once if already answered;
     * FULL and NO_SPACE write nothing and leave {@code ack} to the caller. The caller has checked the sample with
     * {@link #encodedSize} first (so that it can refuse it before anything is written).
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
        int size = encodedSize(sample);
        if (size < 0) {
            throw new IllegalArgumentException("sample cannot be journaled: a topic or property is too long");
        }
        if (inboxBytes + size > admitLimit || storeFileSize() + spilledBytes + uncommittedBytes + size > admitLimit) {
            compactRequested = true; // dead space is given back at once if there is any
            return Admission.NO_SPACE;
        }
        byte[] encoded = encode(sample, size);
        if (size > INLINE_MAX_BYTES && spillDir != null) {
            long id = nextFileId++;
            try {
                Files.createDirectories(spillDir);
                Files.write(spillDir.resolve(Long.toString(id)), encoded); // before the commit that acknowledges it
            } catch (IOException e) {
                LOG.log(Level.WARNING, "journal: cannot write a sample file: " + e.getMessage());
                compactRequested = true;
                return Admission.NO_SPACE; // e.g. the disk is full: nothing taken, the caller answers
            }
            spilledBytes += size;
            spilled.put(key, id + "/" + size);
            inbox.put(key, SPILLED);
        } else {
            inbox.put(key, encoded);
            uncommittedBytes += size;
        }
        inboxBytes += size;
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
        byte[] taken = inbox.remove(key);
        String ref = spilled.remove(key);
        if (ref != null) {
            int slash = ref.indexOf('/');
            inboxBytes -= Long.parseLong(ref.substring(slash + 1));
            toDelete.add(spillDir.resolve(ref.substring(0, slash))); // once the commit has removed it from the inbox
        } else if (taken != null) {
            inboxBytes -= taken.length;
        }
        answered.put(key, System.currentTimeMillis());
        answeredOrder.put(id, key);
        uncommitted.add(new Recorded(id, result));
        requestCommit();
    }

    /**
     * A result waits for its commit: commit now, or {@value #RESULT_COMMIT_GAP_MS} ms per result the last commit took
     * (at most {@value #COMMIT_MS} ms) after the last commit began, if that is later. Samples alone (acknowledgements) wait for the periodic commit every {@value #COMMIT_MS} ms; a
     * result's commit takes them along.
     */
    private void requestCommit() {
        if (!commitScheduled.compareAndSet(false, true)) {
            return; // a commit is coming: it takes this result along
        }
        long gapMs = Math.min(COMMIT_MS, RESULT_COMMIT_GAP_MS * Math.max(1, lastCommitResults));
        long delay = lastCommitNanos + TimeUnit.MILLISECONDS.toNanos(gapMs) - System.nanoTime();
        try {
            timer.schedule(this::requestedCommit, Math.max(0, delay), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            commitScheduled.set(false); // closing: close() commits
        }
    }

    private void requestedCommit() {
        commitScheduled.set(false); // a result recorded from now on asks again (its commit may find nothing left)
        commitQuietly();
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

    /** Bytes the journal takes on disk now: its MVStore file and its sample files (0 in memory). */
    synchronized long fileSize() {
        return storeFileSize() + spilledBytes;
    }

    private long storeFileSize() {
        var fileStore = store.getFileStore();
        return fileStore == null || store.isClosed() ? 0 : fileStore.size();
    }

    /** Encoded bytes of the samples in the inbox. */
    synchronized long inboxBytes() {
        return inboxBytes;
    }

    /** The size limit of the journal, bytes. */
    long maxBytes() {
        return maxBytes;
    }

    /** Compactions run so far. */
    long compactions() {
        return compactions.sum();
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
        List<Path> deletable;
        long t0 = StageClock.now();
        synchronized (this) {
            if ((uncommitted.isEmpty() && toAcknowledge.isEmpty() && toDelete.isEmpty()) || store.isClosed()) {
                return;
            }
            lastCommitNanos = System.nanoTime();
            store.commit();
            uncommittedBytes = 0;
            batch = List.copyOf(uncommitted);
            uncommitted.clear();
            lastCommitResults = batch.size();
            acks = List.copyOf(toAcknowledge);
            toAcknowledge.clear();
            deletable = List.copyOf(toDelete);
            toDelete.clear();
        }
        deleteSampleFiles(deletable);
        t0 = stages.add(io.hybridfog.edge.GatewayMetrics.Stage.JOURNAL, t0);
        acks.forEach(Acknowledgement::acknowledge);
        for (Recorded r : batch) {
            send(r.id(), r.result());
        }
        stages.add(io.hybridfog.edge.GatewayMetrics.Stage.MQTT, t0);
    }

    /**
     * Gives dead space back: compacts the file when it is above half its limit, when it is mostly dead space (and
     * above a floor not worth shrinking further), or when a sample was refused for want of space.
     */
    private void housekeeping() {
        try {
            long size = storeFileSize();
            if (size == 0 || !(compactRequested || size > compactAbove
                    || (size > shrinkFloor && store.getFileStore().getFillRate() < 50))) {
                return;
            }
            commit(); // what is pending is acknowledged and published as usual
            synchronized (this) {
                if (store.isClosed()) {
                    return;
                }
                compactRequested = false;
                store.compactFile(COMPACT_MS); // syncs the file before overwriting or truncating anything
                store.setRetentionTime(retentionMs); // compactFile leaves it at 0
                compactions.increment();
            }
            LOG.log(Level.DEBUG, "journal compacted: {0} -> {1} bytes", size, storeFileSize());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "journal compaction failed: " + e);
        }
    }

    private void deleteSampleFiles(List<Path> files) {
        long freed = 0;
        for (Path f : files) {
            try {
                long n = Files.size(f);
                Files.delete(f);
                freed += n;
            } catch (IOException e) {
                LOG.log(Level.WARNING, "journal: cannot delete the answered sample file " + f + ": " + e.getMessage());
            }
        }
        synchronized (this) {
            spilledBytes -= freed;
        }
    }

    /** Sample files no inbox entry refers to: written by a run killed before its commit (never acknowledged). */
    private void deleteOrphans(Set<String> referenced) {
        if (spillDir == null || !Files.isDirectory(spillDir)) {
            return;
        }
        try (var files = Files.list(spillDir)) {
            for (Path f : files.toList()) {
                if (!referenced.contains(f.getFileName().toString())) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "journal: cannot list " + spillDir + ": " + e.getMessage());
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

    /**
     * Bytes of {@link #encode}'s output, computed without encoding; -1 if the message cannot be encoded (its topic,
     * content type or a user property is longer than 65,535 bytes in modified UTF-8).
     */
    static int encodedSize(BusMessage m) {
        long n = 2 + 4 + 2 + 4 + 4 + 4L * m.userProperties().size(); // lengths, property count, property lengths
        long[] strings = new long[2 + 2 * m.userProperties().size()];
        int i = 0;
        strings[i++] = utfLength(m.topic());
        strings[i++] = utfLength(m.contentType() == null ? "" : m.contentType());
        for (Map.Entry<String, String> p : m.userProperties().entrySet()) {
            strings[i++] = utfLength(p.getKey());
            strings[i++] = utfLength(p.getValue());
        }
        for (long s : strings) {
            if (s > 65_535) {
                return -1;
            }
            n += s;
        }
        n += m.correlationData() == null ? 0 : m.correlationData().length;
        n += m.payload() == null ? 0 : m.payload().length;
        return n > Integer.MAX_VALUE - 16 ? -1 : (int) n;
    }

    /** Length of a string in the modified UTF-8 of {@link DataOutputStream#writeUTF}. */
    private static long utfLength(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c >= 0x0001 && c <= 0x007F ? 1 : c <= 0x07FF ? 2 : 3;
        }
        return n;
    }

    /** Topic, correlation data, content type, payload and user properties (no response topic: not needed). */
    static byte[] encode(BusMessage m) {
        int size = encodedSize(m);
        if (size < 0) {
            throw new IllegalArgumentException("message to " + m.topic() + " cannot be journaled: a string is too long");
        }
        return encode(m, size);
    }

    /** As {@link #encode(BusMessage)}, into one array of the given (exact) size: the payload is copied once. */
    private static byte[] encode(BusMessage m, int size) {
        ExactBuffer bytes = new ExactBuffer(size);
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
        return bytes.exact();
    }

    /** A byte array stream of a known final size: hands its array over without copying it. */
    private static final class ExactBuffer extends ByteArrayOutputStream {
        ExactBuffer(int size) {
            super(size);
        }

        byte[] exact() {
            return count == buf.length ? buf : java.util.Arrays.copyOf(buf, count);
        }
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
