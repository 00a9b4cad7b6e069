package io.hybridfog.onnx.internal;

import ai.onnxruntime.OrtException;
import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.PartitionProperties;
import io.hybridfog.api.models.ModelCatalog;
import io.hybridfog.api.models.ModelCatalogException;
import io.hybridfog.api.models.ModelVersionStatus;
import io.hybridfog.onnx.ModelBundle;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.ModelLoadException;
import io.hybridfog.onnx.OnnxEnvironment;
import io.hybridfog.onnx.PartitionKind;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The model versions installed on this node and the one active edge version per model ({@link ModelCatalog}).
 *
 * <p>A version is loaded and validated when its bundle starts ({@link VersionValidation}: checksums, names and
 * shapes, one inference and warm-up). A bundle that fails is recorded as REJECTED with the
 * reason and nothing of it is registered, so the version that was serving keeps serving. The cloud partition of
 * every valid version is registered; the edge partition only of the active version, as {@link ActiveVersionChoice}
 * picks it: the pinned one, else the newest. Switching registers the new edge partition before unregistering the
 * old one, then closes the old one, which waits for its runs in flight (the drain). A standby version's edge session
 * is closed and reloaded (and validated again) when it becomes active.
 *
 * <p>Bundle events, operator commands and grace timers change the state one at a time on the {@link InventoryThread},
 * which owns it: no lock is held while services are registered or sessions drained. {@link #versions()} reads a
 * snapshot published after each change.
 */
final class ModelInventory implements ModelCatalog {
    private static final System.Logger LOG = System.getLogger(ModelInventory.class.getName());

    private final BundleContext context;
    private final VersionValidation validation;
    private final Pins pins;
    private final long updateGraceMs;
    private final InventoryThread thread = new InventoryThread();
    // Confined to the inventory thread (after closeAll: to its caller).
    private final Map<Long, InstalledVersion> entries = new LinkedHashMap<>(); // by bundle id
    /** Per model: the active version whose bundle stopped while no other version could serve (see removed). */
    private final Map<String, InstalledVersion> orphans = new HashMap<>();
    /** Removed versions whose cloud partition still serves offloads in flight (see retireCloudLater). */
    private final Set<InstalledVersion> retiring = new HashSet<>();
    /** What {@link #versions()} answers, published by the inventory thread after each change. */
    private volatile List<ModelVersionStatus> published = List.of();

    /** @param updateGraceMs how long a stopped bundle's active version keeps serving while its update arrives, ms */
    ModelInventory(BundleContext context, OnnxEnvironment onnx, Pins pins, long updateGraceMs) {
        this.context = context;
        this.validation = new VersionValidation(onnx);
        this.pins = pins;
        this.updateGraceMs = updateGraceMs;
    }

    /**
     * A model bundle started: loads, validates and warms it; registers its cloud partition; makes its edge partition
     * active if it is the pinned or (without a pin) the newest version. Never throws: a failure is logged and the
     * version recorded as REJECTED. Returns when this is done (or, called from the inventory thread, queues it).
     */
    void added(Bundle bundle, ModelBundleHeaders headers) {
        thread.run(() -> change(() -> install(bundle, headers)));
    }

    private void install(Bundle bundle, ModelBundleHeaders headers) {
        InstalledVersion entry = new InstalledVersion(bundle, headers);
        entries.put(bundle.getBundleId(), entry);
        long started = System.nanoTime();
        ModelBundle loaded;
        try {
            requireNoDuplicate(entry);
            loaded = validation.loadAll(bundle, headers);
        } catch (ModelLoadException | OrtException | RuntimeException e) {
            InstalledVersion orphan = orphans.get(headers.model());
            if (orphan != null) {
                orphan.replacementRejected = true; // the update failed: the old version keeps serving from memory
            }
            reject(entry, e);
            return;
        }
        entry.detail = "validated and warmed up in " + millisSince(started) + " ms";
        loaded.cloud().ifPresent(cloud -> {
            entry.cloud = cloud;
            entry.cloudSession = cloud;
            entry.cloudService = context.registerService(CloudPartition.class, cloud, properties(headers));
        });
        entry.edge = loaded.edge().orElse(null);
        LOG.log(Level.INFO, "model {0} from bundle {1}: {2} ({3})", headers.id(), describe(bundle), entry.detail,
                headers.partitions().keySet());
        reconcile(entry.model(), activeEntry(entry.model()));
        closeIfStandby(entry);
    }

    /**
     * A model bundle stopped: if its edge partition was active, the next version (pinned, else newest) is activated
     * before the old one is unregistered and drained; its cloud partition goes {@code updateGraceMs} later (offloads
     * in flight).
     *
     * <p>If no other version can take over, the active version keeps serving from memory for
     * {@code updateGraceMs}: an update of a bundle in place (FileInstall replacing the jar, Gogo {@code update})
     * stops it before its new content starts. If the new content is valid it takes over as any new version does; if
     * it is rejected, the old version keeps serving; if nothing comes back, the version stops serving.
     */
    void removed(Bundle bundle) {
        thread.run(() -> change(() -> uninstall(bundle)));
    }

    private void uninstall(Bundle bundle) {
        InstalledVersion entry = entries.remove(bundle.getBundleId());
        if (entry == null) {
            return;
        }
        if (entry.active() && target(entry.model()) == null) {
            orphans.put(entry.model(), entry);
            entry.detail = "serving from memory: its bundle stopped (waiting " + updateGraceMs + " ms for an update)";
            thread.schedule(() -> change(() -> expireOrphan(entry)), updateGraceMs);
            LOG.log(Level.INFO, "model {0}: bundle {1} stopped; {0} keeps serving for up to {2} ms in case it is being "
                    + "updated", entry.headers.id(), describe(bundle), updateGraceMs);
            return;
        }
        retireCloudLater(entry);
        if (entry.active()) {
            reconcile(entry.model(), entry);
        }
        closeIfStandby(entry);
        LOG.log(Level.INFO, "model {0} from bundle {1} removed", entry.headers.id(), describe(bundle));
    }

    /**
     * The cloud partition of a removed version answers offloads already on their way (sent by this or another
     * gateway before the switch) for {@code updateGraceMs} more, then it is unregistered and closed.
     */
    private void retireCloudLater(InstalledVersion e) {
        if (e.cloudService == null) {
            return;
        }
        retiring.add(e);
        thread.schedule(() -> change(() -> {
            retiring.remove(e);
            unregister(e.cloudService);
            e.cloudService = null;
            close(e.cloudSession);
        }), updateGraceMs);
    }

    /** The grace period of an orphan ended: it stops serving unless an update of it was rejected. */
    private void expireOrphan(InstalledVersion e) {
        if (orphans.get(e.model()) != e) {
            return;
        }
        if (e.active() && e.replacementRejected) {
            e.detail = "serving from memory: its bundle was updated to content that was rejected";
            LOG.log(Level.WARNING, "model {0} keeps serving from memory: the update of its bundle was rejected",
                    e.headers.id());
            return;
        }
        orphans.remove(e.model());
        boolean wasServing = e.active();
        retire(e);
        unregister(e.cloudService);
        e.cloudService = null;
        close(e.cloudSession);
        if (wasServing) {
            LOG.log(Level.WARNING, "model {0} stopped serving: its bundle stopped and no other version of {1} is "
                    + "installed", e.headers.id(), e.model());
        }
    }

    /** Unregisters and closes everything (the extender stops); waits for a change in progress first. */
    void closeAll() {
        thread.shutdown(); // from here on this thread owns the state
        List<InstalledVersion> all = new ArrayList<>(entries.values());
        all.addAll(orphans.values());
        all.addAll(retiring);
        orphans.clear();
        retiring.clear();
        for (InstalledVersion e : all) {
            unregister(e.edgeService);
            unregister(e.cloudService);
            e.edgeService = null;
            e.cloudService = null;
            close(e.edge);
            close(e.cloudSession);
        }
        entries.clear();
        published = List.of();
    }

    @Override
    public List<ModelVersionStatus> versions() {
        return published;
    }

    @Override
    public ModelVersionStatus activate(String model, String version) throws ModelCatalogException {
        return thread.call(() -> change(() -> pinAndActivate(model, version)));
    }

    @Override
    public ModelVersionStatus rollback(String model) throws ModelCatalogException {
        return thread.call(() -> change(() -> rollBack(model)));
    }

    @Override
    public ModelVersionStatus followNewest(String model) throws ModelCatalogException {
        return thread.call(() -> change(() -> unpin(model)));
    }

    /** A change on the inventory thread, followed by publishing the new state for {@link #versions()}. */
    private <T> T change(InventoryThread.Task<T> task) throws ModelCatalogException {
        try {
            return task.run();
        } finally {
            published = Stream.concat(entries.values().stream(), orphans.values().stream())
                    .sorted(InstalledVersion.NEWEST_FIRST).map(this::status).toList();
        }
    }

    private void change(Runnable task) {
        try {
            change(() -> {
                task.run();
                return null;
            });
        } catch (ModelCatalogException cannotHappen) {
            throw new IllegalStateException(cannotHappen);
        }
    }

    private ModelVersionStatus pinAndActivate(String model, String version) throws ModelCatalogException {
        InstalledVersion target = entries.values().stream()
                .filter(e -> e.model().equals(model) && e.version().equals(version) && e.carries(PartitionKind.EDGE))
                .findFirst().orElseThrow(() -> new ModelCatalogException(model + ":" + version
                        + " is not installed with an edge partition; installed: " + ids(model)));
        if (!target.valid()) {
            throw new ModelCatalogException(target.headers.id() + " was rejected: " + target.rejection);
        }
        InstalledVersion current = activeEntry(model);
        if (target != current) {
            long started = System.nanoTime();
            if (!loadEdge(target)) {
                throw new ModelCatalogException(target.headers.id() + " failed validation: " + target.rejection
                        + (current == null ? "" : "; " + current.headers.id() + " keeps serving"));
            }
            switchEdge(current, target, started);
        }
        pins.pin(model, version);
        return status(target);
    }

    private ModelVersionStatus rollBack(String model) throws ModelCatalogException {
        InstalledVersion current = activeEntry(model);
        if (current == null) {
            throw new ModelCatalogException("model " + model + " has no active version; installed: " + ids(model));
        }
        String previous = ActiveVersionChoice.previous(model, current.version(), candidates())
                .orElseThrow(() -> new ModelCatalogException("no valid version of " + model + " older than "
                        + current.version() + " is installed; installed: " + ids(model)));
        return pinAndActivate(model, previous);
    }

    private ModelVersionStatus unpin(String model) throws ModelCatalogException {
        if (entries.values().stream().noneMatch(e -> e.model().equals(model))) {
            throw new ModelCatalogException("model " + model + " is not installed");
        }
        pins.unpin(model);
        InstalledVersion active = reconcile(model, activeEntry(model));
        if (active == null) {
            throw new ModelCatalogException("model " + model + " has no valid version with an edge partition; installed: "
                    + ids(model));
        }
        return status(active);
    }

    /**
     * Makes the right version of {@code model} active: the pinned one if it is installed and valid, else the newest
     * valid one. Candidates that fail to load now are rejected and the next one is tried.
     *
     * @param current the entry whose edge partition serves now (possibly already removed from {@link #entries})
     * @return the active entry afterwards, or null if none
     */
    private InstalledVersion reconcile(String model, InstalledVersion current) {
        while (true) {
            InstalledVersion target = target(model);
            if (target == current && current != null && entries.containsValue(current)) {
                return current;
            }
            if (target == null) {
                if (current != null) {
                    retire(current);
                    LOG.log(Level.WARNING, "model {0}: no valid version with an edge partition is left; {1} stopped serving",
                            model, current.headers.id());
                }
                return null;
            }
            long started = System.nanoTime();
            if (loadEdge(target)) {
                switchEdge(current, target, started);
                return target;
            }
        }
    }

    /** The entry of the version {@link ActiveVersionChoice} picks for {@code model}; null if none. */
    private InstalledVersion target(String model) {
        return ActiveVersionChoice.choose(model, candidates(), pins.get(model))
                .flatMap(version -> entries.values().stream().filter(e -> e.model().equals(model)
                        && e.version().equals(version) && e.valid() && e.carries(PartitionKind.EDGE)).findFirst())
                .orElse(null);
    }

    private List<ActiveVersionChoice.Candidate> candidates() {
        return entries.values().stream().map(InstalledVersion::candidate).toList();
    }

    private InstalledVersion activeEntry(String model) {
        InstalledVersion orphan = orphans.get(model);
        return entries.values().stream().filter(e -> e.model().equals(model) && e.active()).findFirst()
                .orElse(orphan != null && orphan.active() ? orphan : null);
    }

    /** Loads, validates and warms the edge partition of a standby version; on failure rejects the entry. */
    private boolean loadEdge(InstalledVersion e) {
        if (e.edge != null) {
            return true;
        }
        try {
            e.edge = validation.loadEdge(e.bundle, e.headers);
            return true;
        } catch (ModelLoadException | OrtException | RuntimeException failed) {
            unregister(e.cloudService);
            close(e.cloudSession);
            e.cloudService = null;
            reject(e, failed);
            return false;
        }
    }

    /** Registers the target's (loaded) edge partition, then unregisters and drains the current one. */
    private void switchEdge(InstalledVersion current, InstalledVersion target, long started) {
        long ready = System.nanoTime();
        target.edgeService = context.registerService(EdgePartition.class, target.edge, properties(target.headers));
        long drain = 0;
        if (current != null && current != target) {
            long t = System.nanoTime();
            retire(current);
            drain = millisSince(t);
            if (orphans.get(current.model()) == current) {
                // its cloud partition serves offloads still in flight until the grace period ends
                current.detail = "replaced by " + target.version() + "; cloud partition kept for offloads in flight";
                thread.schedule(() -> change(() -> expireOrphan(current)), updateGraceMs);
            }
        }
        target.detail = "active since " + java.time.Instant.now() + " (ready in " + (ready - started) / 1_000_000
                + " ms" + (current != null && current != target ? ", " + current.version() + " drained in " + drain
                + " ms" : "") + ")";
        LOG.log(Level.INFO, "model {0}: edge partition {1}", target.headers.id(),
                current == null || current == target ? "active" : "switched from " + current.version() + " ("
                        + current.version() + " drained and closed in " + drain + " ms)");
    }

    /** Unregisters an active edge partition, then closes it: close waits for the runs in flight. */
    private void retire(InstalledVersion e) {
        unregister(e.edgeService);
        e.edgeService = null;
        close(e.edge);
        e.edge = null;
        if (e.valid() && entries.containsValue(e)) {
            e.detail = "standby";
        }
    }

    private void closeIfStandby(InstalledVersion e) {
        if (e.edge != null && !e.active()) {
            close(e.edge);
            e.edge = null;
            if (e.valid() && entries.containsValue(e)) {
                e.detail = "standby (validated)";
            }
        }
    }

    private void reject(InstalledVersion e, Exception reason) {
        e.rejection = reason.getMessage() == null ? reason.toString() : reason.getMessage();
        e.detail = e.rejection;
        InstalledVersion serving = activeEntry(e.model());
        LOG.log(Level.ERROR, "model bundle {0} ({1}) rejected: {2}; {3}", describe(e.bundle), e.headers.id(), e.rejection,
                serving == null ? "no version of " + e.model() + " serves" : serving.headers.id() + " keeps serving");
        if (reason instanceof RuntimeException) {
            LOG.log(Level.DEBUG, "rejection of " + e.headers.id(), reason);
        }
    }

    private void requireNoDuplicate(InstalledVersion entry) throws ModelLoadException {
        for (InstalledVersion other : entries.values()) {
            if (other == entry || !other.valid() || !other.headers.id().equals(entry.headers.id())) {
                continue;
            }
            for (PartitionKind kind : entry.headers.partitions().keySet()) {
                if (other.carries(kind)) {
                    throw new ModelLoadException("the " + kind + " partition of " + entry.headers.id()
                            + " is already installed by bundle " + describe(other.bundle));
                }
            }
        }
    }

    private ModelVersionStatus status(InstalledVersion e) {
        return e.status(pins.get(e.model()).filter(e.version()::equals).isPresent());
    }

    private String ids(String model) {
        List<String> ids = new ArrayList<>();
        entries.values().stream().filter(e -> e.model().equals(model)).sorted(InstalledVersion.NEWEST_FIRST)
                .forEach(e -> ids.add(e.version() + (e.valid() ? "" : " (rejected)")));
        return ids.toString();
    }

    private static Dictionary<String, Object> properties(ModelBundleHeaders headers) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(PartitionProperties.MODEL, headers.model());
        p.put(PartitionProperties.VERSION, headers.version());
        return p;
    }

    private static void unregister(ServiceRegistration<?> service) {
        if (service != null) {
            try {
                service.unregister();
            } catch (IllegalStateException alreadyUnregistered) {
                // the framework unregisters the extender's services itself when the extender stops
            }
        }
    }

    private static void close(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing " + c + " failed: " + e);
            }
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    static String describe(Bundle bundle) {
        return bundle.getSymbolicName() + " " + bundle.getVersion() + " [" + bundle.getBundleId() + "]";
    }
}
