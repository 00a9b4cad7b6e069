package io.hybridfog.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import java.lang.System.Logger.Level;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An {@link OrtSession} that can be closed while other threads run it.
 *
 * <p>ONNX Runtime 1.29's {@code OrtSession.close()} frees the native session at once, with no count of runs in
 * progress: closing during a run would free memory that the run still uses. Runs therefore hold a read lock and
 * {@link #close()} takes the write lock, so it waits for the runs in flight; later runs fail with
 * {@link ErrorCode#UNKNOWN_MODEL}.
 */
final class GuardedSession implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GuardedSession.class.getName());

    /** Work done with the session while it is guaranteed open. */
    @FunctionalInterface
    interface SessionCall<T> {
        T apply(OrtSession session) throws OrtException, HybridFogException;
    }

    private final OrtSession session;
    private final String description;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lock

    /** @param description how messages name this session, e.g. {@code edge partition fashion-mnist-hybrid:1.0.0} */
    GuardedSession(OrtSession session, String description) {
        this.session = session;
        this.description = description;
    }

    /**
     * @throws HybridFogException {@link ErrorCode#UNKNOWN_MODEL} if closed, {@link ErrorCode#INTERNAL} if ONNX
     *                            Runtime fails, or what {@code call} throws
     */
    <T> T run(SessionCall<T> call) throws HybridFogException {
        Lock read = lock.readLock();
        read.lock();
        try {
            if (closed) {
                throw new HybridFogException(ErrorCode.UNKNOWN_MODEL,
                        description + " is closed (its model bundle was stopped, updated or uninstalled)");
            }
            return call.apply(session);
        } catch (OrtException e) {
            throw new HybridFogException(ErrorCode.INTERNAL, description + ": ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            read.unlock();
        }
    }

    boolean isClosed() {
        Lock read = lock.readLock();
        read.lock();
        try {
            return closed;
        } finally {
            read.unlock();
        }
    }

    /** Waits for runs in flight, then frees the native session. Idempotent. */
    @Override
    public void close() {
        Lock write = lock.writeLock();
        write.lock();
        try {
            if (!closed) {
                closed = true;
                session.close();
            }
        } catch (OrtException e) {
            LOG.log(Level.WARNING, "closing the ONNX session of " + description + " failed", e);
        } finally {
            write.unlock();
        }
    }
}
