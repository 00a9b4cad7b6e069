package io.hybridfog.onnx.internal;

import io.hybridfog.api.models.ModelCatalogException;
import java.lang.System.Logger.Level;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one thread on which the {@link ModelInventory} changes: bundle events, operator commands and grace timers run
 * here one after another, in the order they were submitted. The inventory's state is confined to this thread, so it
 * needs no lock, and service registrations, unregistrations and session drains happen while no lock is held (a
 * service listener that reads the catalog from another thread never waits for a switch to finish).
 */
final class InventoryThread {
    private static final System.Logger LOG = System.getLogger(InventoryThread.class.getName());
    private static final long CLOSE_WAIT_S = 60;

    /** A change of the inventory; operator commands throw {@link ModelCatalogException}. */
    interface Task<T> {
        T run() throws ModelCatalogException;
    }

    private final ScheduledThreadPoolExecutor executor;
    private volatile Thread thread;

    InventoryThread() {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hybridfog-model-inventory");
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // grace timers end with the inventory
    }

    /**
     * Runs {@code task} on the inventory thread and waits for it (uninterruptibly: the change goes ahead anyway).
     *
     * @throws ModelCatalogException what the task threw; also if the inventory is closed, or if called from the
     *                               inventory thread itself (a service listener of a partition during a switch)
     */
    <T> T call(Task<T> task) throws ModelCatalogException {
        if (onThread()) {
            throw new ModelCatalogException("model catalog called from a service listener during a model switch: "
                    + "call it from another thread");
        }
        Future<T> result;
        try {
            result = executor.submit(task::run);
        } catch (RejectedExecutionException closed) {
            throw new ModelCatalogException("the model catalog is closed");
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof ModelCatalogException m) {
                        throw m;
                    }
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Runs a bundle event on the inventory thread and waits for it; from the inventory thread itself it is queued
     * behind the change in progress. Ignored once the inventory is closed.
     */
    void run(Runnable event) {
        try {
            if (onThread()) {
                executor.execute(event);
            } else {
                call(() -> {
                    event.run();
                    return null;
                });
            }
        } catch (RejectedExecutionException | ModelCatalogException closed) {
            LOG.log(Level.DEBUG, "model inventory closed: bundle event ignored");
        }
    }

    /** Runs {@code timer} on the inventory thread after {@code delayMs}; dropped when the inventory closes first. */
    void schedule(Runnable timer, long delayMs) {
        try {
            executor.schedule(timer, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // the inventory is closing: closeAll releases what the timer would have released
        }
    }

    /**
     * Accepts no more work, drops pending timers and waits for the change in progress (up to 60 s): afterwards the
     * caller owns the inventory's state.
     */
    void shutdown() {
        executor.shutdown();
        if (onThread()) {
            return;
        }
        try {
            if (!executor.awaitTermination(CLOSE_WAIT_S, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "model inventory: a change still runs after " + CLOSE_WAIT_S + " s; closing anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean onThread() {
        return Thread.currentThread() == thread;
    }
}
