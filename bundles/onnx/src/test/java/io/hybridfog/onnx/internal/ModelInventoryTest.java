package io.hybridfog.onnx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.PartitionProperties;
import io.hybridfog.api.Tensor;
import io.hybridfog.api.models.ModelCatalogException;
import io.hybridfog.api.models.ModelVersionStatus;
import io.hybridfog.api.models.ModelVersionStatus.State;
import io.hybridfog.onnx.testing.ModelBundleJars;
import io.hybridfog.onnx.testing.ModelBundleJars.Defect;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.Version;

/**
 * The model inventory against stand-ins of Bundle and BundleContext (java.lang.reflect.Proxy) and real ONNX sessions
 * of the committed Fashion-MNIST model under several version numbers; the framework path (FileInstall, DS, the
 * gateway) is exercised by runtime/itest.
 */
class ModelInventoryTest {
    private static final Path MODEL_DIR = Path.of(System.getProperty("hybridfog.model.dir", "../../models/fashion-mnist"));
    private static final String MODEL = ModelBundleJars.MODEL;
    private static final Tensor BLANK = new Tensor(new long[] {1, 1, 28, 28}, new float[28 * 28]);
    private static final long GRACE_MS = 300;
    private static OnnxEnvironmentComponent onnx;

    /** A service registered through the fake context. */
    record Registered(String type, Object service, Dictionary<String, ?> properties, boolean[] unregistered) {
        boolean live() {
            return !unregistered[0];
        }

        String version() {
            return (String) properties.get(PartitionProperties.VERSION);
        }
    }

    private final List<Registered> registered = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Runs inside registerService, on the registering thread, as a synchronous service listener would. */
    private volatile Runnable onRegister = () -> { };
    @TempDir
    Path data;
    private ModelInventory inventory;

    @BeforeAll
    static void activateEnvironment() throws Exception {
        onnx = new OnnxEnvironmentComponent();
        onnx.activate(Map.of("warmup.runs", 2));
    }

    @BeforeEach
    void newInventory() {
        inventory = new ModelInventory(fakeContext(), onnx, new Pins(data.resolve("pins.properties")), GRACE_MS);
    }

    @AfterEach
    void closeSessions() {
        inventory.closeAll();
    }

    @Test
    void registersBothPartitionsWithModelPropertiesAndClosesThemOnRemoval() throws Exception {
        Bundle bundle = modelBundle(1, "1.0.0", Defect.NONE);
        inventory.added(bundle, headers(bundle));

        assertEquals(List.of(EdgePartition.class.getName(), CloudPartition.class.getName()),
                registered.stream().map(Registered::type).sorted(java.util.Comparator.comparing(t -> t.contains("Edge") ? 0 : 1)).toList());
        for (Registered r : registered) {
            assertEquals(MODEL, r.properties().get(PartitionProperties.MODEL));
            assertEquals("1.0.0", r.version());
        }
        EdgePartition edge = liveEdge();
        edge.run(BLANK);
        assertEquals(State.ACTIVE, only(inventory.versions()).state());

        inventory.removed(bundle);
        edge.run(BLANK); // the only version: it serves on while an update of its bundle may be on its way
        Thread.sleep(GRACE_MS * 3);

        assertTrue(registered.stream().noneMatch(Registered::live), "services unregistered");
        HybridFogException e = assertThrows(HybridFogException.class, () -> edge.run(BLANK));
        assertEquals(ErrorCode.UNKNOWN_MODEL, e.code());
        assertEquals(List.of(), inventory.versions());
    }

    @Test
    void aNewerVersionTakesOverTheEdgeAndBothCloudVersionsKeepServing() throws Exception {
        add(modelBundle(1, "1.0.0", Defect.NONE));
        EdgePartition old = liveEdge();

        add(modelBundle(2, "1.1.0", Defect.NONE));

        assertEquals("1.1.0", liveEdge().descriptor().version());
        assertThrows(HybridFogException.class, () -> old.run(BLANK), "old edge session closed after the switch");
        assertEquals(List.of("1.0.0", "1.1.0"), liveVersions(CloudPartition.class));
        assertEquals(List.of("1.1.0:ACTIVE", "1.0.0:STANDBY"), states());
    }

    @Test
    void anOlderVersionInstalledLaterStaysOnStandby() throws Exception {
        add(modelBundle(1, "1.1.0", Defect.NONE));
        add(modelBundle(2, "1.0.0", Defect.NONE));
        assertEquals("1.1.0", liveEdge().descriptor().version());
        assertEquals(List.of("1.1.0:ACTIVE", "1.0.0:STANDBY"), states());
    }

    @Test
    void aCorruptBundleIsRejectedWithItsReasonAndTheRunningVersionKeepsServing() throws Exception {
        add(modelBundle(1, "1.0.0", Defect.NONE));
        EdgePartition serving = liveEdge();

        add(modelBundle(2, "1.1.0", Defect.CHECKSUM_MISMATCH));
        add(modelBundle(3, "1.2.0", Defect.TRUNCATED_MODEL));

        assertEquals("1.0.0", liveEdge().descriptor().version());
        serving.run(BLANK);
        List<ModelVersionStatus> versions = inventory.versions();
        assertEquals(List.of("1.2.0:REJECTED", "1.1.0:REJECTED", "1.0.0:ACTIVE"), states());
        assertTrue(versions.get(1).detail().contains("SHA-256"), versions.get(1).detail());
        assertTrue(versions.get(0).detail().contains("edge"), versions.get(0).detail());
        assertEquals(List.of("1.0.0"), liveVersions(CloudPartition.class), "nothing of a rejected bundle is registered");
    }

    @Test
    void rollbackPinsThePreviousVersionAcrossRestartsAndFollowNewestUndoesIt() throws Exception {
        Bundle v1 = modelBundle(1, "1.0.0", Defect.NONE);
        Bundle v2 = modelBundle(2, "1.1.0", Defect.NONE);
        add(v1);
        add(v2);

        ModelVersionStatus rolledBack = inventory.rollback(MODEL);

        assertEquals("1.0.0", rolledBack.version());
        assertTrue(rolledBack.pinned());
        assertEquals("1.0.0", liveEdge().descriptor().version());
        assertEquals(List.of("1.1.0:STANDBY", "1.0.0:ACTIVE"), states());

        // a restart: a new inventory over the same data area sees the pin
        inventory.closeAll();
        registered.clear();
        inventory = new ModelInventory(fakeContext(), onnx, new Pins(data.resolve("pins.properties")), GRACE_MS);
        add(v1);
        add(v2);
        assertEquals("1.0.0", liveEdge().descriptor().version());

        assertEquals("1.1.0", inventory.followNewest(MODEL).version());
        assertEquals("1.1.0", liveEdge().descriptor().version());
        assertEquals(1, liveVersions(EdgePartition.class).size());
    }

    @Test
    void removingTheActiveVersionFallsBackToTheNextOne() throws Exception {
        add(modelBundle(1, "1.0.0", Defect.NONE));
        Bundle v2 = modelBundle(2, "1.1.0", Defect.NONE);
        add(v2);
        inventory.removed(v2);
        assertEquals("1.0.0", liveEdge().descriptor().version());
        assertEquals(List.of("1.0.0:ACTIVE"), states());
    }

    @Test
    void anUpdateInPlaceKeepsTheOldVersionServingUntilTheNewContentTakesOver() throws Exception {
        add(modelBundle(1, "1.0.0", Defect.NONE));
        EdgePartition old = liveEdge();

        inventory.removed(modelBundle(1, "1.0.0", Defect.NONE)); // same bundle id: FileInstall stops it to update it
        assertEquals("1.0.0", liveEdge().descriptor().version());
        old.run(BLANK);
        add(modelBundle(1, "1.1.0", Defect.NONE));

        assertEquals("1.1.0", liveEdge().descriptor().version());
        assertThrows(HybridFogException.class, () -> old.run(BLANK));
        assertEquals(List.of("1.0.0", "1.1.0"), liveVersions(CloudPartition.class), "old cloud serves offloads in flight");
        Thread.sleep(GRACE_MS * 3);
        assertEquals(List.of("1.1.0"), liveVersions(CloudPartition.class));
        assertEquals(List.of("1.1.0:ACTIVE"), states());
    }

    @Test
    void aRejectedUpdateInPlaceLeavesTheOldVersionServing() throws Exception {
        add(modelBundle(1, "1.0.0", Defect.NONE));
        EdgePartition old = liveEdge();

        inventory.removed(modelBundle(1, "1.0.0", Defect.NONE));
        add(modelBundle(1, "1.1.0", Defect.CHECKSUM_MISMATCH));
        Thread.sleep(GRACE_MS * 3);

        assertEquals(old, liveEdge());
        old.run(BLANK);
        assertEquals(List.of("1.1.0:REJECTED", "1.0.0:ACTIVE"), states());
        assertTrue(inventory.versions().get(1).detail().contains("rejected"), inventory.versions().get(1).detail());
    }

    @Test
    void operatorErrorsNameWhatIsInstalled() throws Exception {
        add(modelBundle(1, "1.0.0", Defect.NONE));
        ModelCatalogException noOlder = assertThrows(ModelCatalogException.class, () -> inventory.rollback(MODEL));
        assertTrue(noOlder.getMessage().contains("no valid version of " + MODEL + " older than 1.0.0"), noOlder.getMessage());
        ModelCatalogException unknown = assertThrows(ModelCatalogException.class, () -> inventory.activate(MODEL, "9.9.9"));
        assertTrue(unknown.getMessage().contains("installed: [1.0.0]"), unknown.getMessage());
        add(modelBundle(2, "1.1.0", Defect.CHECKSUM_MISMATCH));
        ModelCatalogException rejected = assertThrows(ModelCatalogException.class, () -> inventory.activate(MODEL, "1.1.0"));
        assertTrue(rejected.getMessage().contains("was rejected"), rejected.getMessage());
        assertThrows(ModelCatalogException.class, () -> inventory.followNewest("no-such-model"));
    }

    @Test
    void refusesASecondBundleOfTheSameVersionUntilTheFirstIsGone() throws Exception {
        Bundle first = modelBundle(4, "1.0.0", Defect.NONE);
        Bundle second = modelBundle(5, "1.0.0", Defect.NONE);
        add(first);
        add(second);
        assertEquals(2, registered.size());
        assertEquals(List.of("1.0.0:ACTIVE", "1.0.0:REJECTED"), states());

        inventory.removed(first);
        inventory.removed(second);
        add(modelBundle(6, "1.0.0", Defect.NONE));
        Thread.sleep(GRACE_MS * 3); // the first bundle's version served on (from memory) until the third one came
        assertEquals(List.of("1.0.0:ACTIVE"), states());
    }

    @Test
    void edgeAndCloudOfOneVersionMayComeFromSeparateBundles() throws Exception {
        add(modelBundle(6, "1.0.0", Defect.NONE, "edge=models/edge.onnx"));
        add(modelBundle(7, "1.0.0", Defect.NONE, "cloud=models/cloud.onnx"));
        assertEquals(List.of("1.0.0"), liveVersions(EdgePartition.class));
        assertEquals(List.of("1.0.0"), liveVersions(CloudPartition.class));
    }

    @Test
    void headersWithoutTheModelHeaderAreNoModelBundle() throws Exception {
        assertTrue(io.hybridfog.onnx.ModelBundleHeaders.parse(Map.of("Bundle-SymbolicName", "x")::get).isEmpty());
        assertNull(new ModelBundleCustomizer(inventory).addingBundle(fakeBundle(9, new Hashtable<>(Map.of("Bundle-SymbolicName", "lib")), Map.of()), null));
        assertEquals(List.of(), registered);
    }

    @Test
    void aListenerOnAnotherThreadReadsTheCatalogWhileAPartitionIsRegistered() throws Exception {
        List<String> seenDuringRegistration = new java.util.concurrent.CopyOnWriteArrayList<>();
        onRegister = () -> {
            // a service listener handing the event to another thread and waiting for it: blocks forever if the
            // inventory registers services while holding a lock that versions() needs
            Thread reader = new Thread(() -> seenDuringRegistration.add(states().toString()));
            reader.start();
            try {
                reader.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        add(modelBundle(1, "1.0.0", Defect.NONE));
        add(modelBundle(2, "1.1.0", Defect.NONE));
        assertEquals(4, seenDuringRegistration.size(), "each of the 4 registrations (edge and cloud of two versions) let the reader finish: "
                + seenDuringRegistration);
        assertEquals("1.1.0", liveEdge().descriptor().version());
    }

    @Test
    void aCatalogCommandFromInsideASwitchFailsClearlyInsteadOfWaitingForItself() throws Exception {
        add(modelBundle(1, "1.0.0", Defect.NONE));
        List<Exception> thrown = new java.util.concurrent.CopyOnWriteArrayList<>();
        onRegister = () -> thrown.add(assertThrows(ModelCatalogException.class, () -> inventory.rollback(MODEL)));
        add(modelBundle(2, "1.1.0", Defect.NONE));
        onRegister = () -> { };
        assertEquals(2, thrown.size(), "cloud and edge registration of 1.1.0");
        assertTrue(thrown.get(0).getMessage().contains("another thread"), thrown.get(0).getMessage());
        assertEquals("1.1.0", liveEdge().descriptor().version());
        assertEquals("1.0.0", inventory.rollback(MODEL).version(), "from the test thread it works");
    }

    @Test
    void concurrentCommandsAndBundleEventsLeaveExactlyOneEdgePartitionOfTheChosenVersion() throws Exception {
        add(modelBundle(1, "1.0.0", Defect.NONE));
        add(modelBundle(2, "1.1.0", Defect.NONE));
        Bundle v3 = modelBundle(3, "1.2.0", Defect.NONE);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                done.add(pool.submit(() -> inventory.activate(MODEL, "1.0.0")));
                done.add(pool.submit(() -> inventory.followNewest(MODEL)));
            }
            done.add(pool.submit(() -> {
                add(v3);
                return null;
            }));
            for (java.util.concurrent.Future<?> f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdown();
        }
        inventory.followNewest(MODEL);
        assertEquals("1.2.0", liveEdge().descriptor().version());
        liveEdge().run(BLANK);
        assertEquals(List.of("1.2.0:ACTIVE", "1.1.0:STANDBY", "1.0.0:STANDBY"), states());
        assertEquals(List.of("1.0.0", "1.1.0", "1.2.0"), liveVersions(CloudPartition.class));
    }

    private void add(Bundle bundle) throws Exception {
        inventory.added(bundle, headers(bundle));
    }

    private static io.hybridfog.onnx.ModelBundleHeaders headers(Bundle bundle) throws Exception {
        return io.hybridfog.onnx.ModelBundleHeaders.parse(bundle.getHeaders("")::get).orElseThrow();
    }

    private EdgePartition liveEdge() {
        List<Registered> edges = registered.stream().filter(r -> r.live() && r.type().equals(EdgePartition.class.getName())).toList();
        assertEquals(1, edges.size(), "exactly one live edge partition");
        return (EdgePartition) edges.get(0).service();
    }

    private List<String> liveVersions(Class<?> type) {
        return registered.stream().filter(r -> r.live() && r.type().equals(type.getName())).map(Registered::version).sorted().toList();
    }

    private List<String> states() {
        return inventory.versions().stream().map(v -> v.version() + ":" + v.state()).toList();
    }

    private static ModelVersionStatus only(List<ModelVersionStatus> versions) {
        assertEquals(1, versions.size());
        return versions.get(0);
    }

    private Bundle modelBundle(long id, String version, Defect defect) throws Exception {
        return modelBundle(id, version, defect, null);
    }

    /** @param partitions overrides HybridFog-Partitions (and drops the checksums), or null */
    private Bundle modelBundle(long id, String version, Defect defect, String partitions) throws Exception {
        ModelBundleJars.Content c = ModelBundleJars.content(MODEL_DIR, version, defect);
        Hashtable<String, String> headers = new Hashtable<>(c.headers());
        if (partitions != null) {
            headers.put("HybridFog-Partitions", partitions);
            headers.remove("HybridFog-Checksums");
        }
        Path dir = Files.createDirectories(data.resolve("bundle" + id));
        for (Map.Entry<String, byte[]> e : c.entries().entrySet()) {
            Files.write(Files.createDirectories(dir.resolve(e.getKey()).getParent()).resolve(Path.of(e.getKey()).getFileName()), e.getValue());
        }
        return fakeBundle(id, headers, Map.of("dir", dir));
    }

    /** A bundle whose entries are the files under files.get("dir"). */
    private static Bundle fakeBundle(long id, Dictionary<String, String> headers, Map<String, Path> files) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "getHeaders":
                    return headers;
                case "getEntry":
                    Path dir = files.get("dir");
                    Path file = dir == null ? null : dir.resolve((String) args[0]);
                    return file != null && Files.isRegularFile(file) ? file.toUri().toURL() : (URL) null;
                case "getSymbolicName":
                    return headers.get("Bundle-SymbolicName");
                case "getVersion":
                    return new Version(1, 0, 0);
                case "getBundleId":
                    return id;
                case "getLocation":
                    return "test:bundle" + id;
                case "hashCode":
                    return (int) id;
                case "equals":
                    return proxy == args[0];
                default:
                    throw new UnsupportedOperationException(method.getName());
            }
        });
    }

    private BundleContext fakeContext() {
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("registerService") || !(args[0] instanceof Class<?> type)) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    boolean[] unregistered = {false};
                    @SuppressWarnings("unchecked")
                    Dictionary<String, ?> properties = (Dictionary<String, ?>) args[2];
                    registered.add(new Registered(type.getName(), args[1], properties, unregistered));
                    onRegister.run();
                    return Proxy.newProxyInstance(ServiceRegistration.class.getClassLoader(), new Class<?>[] {ServiceRegistration.class},
                            (p, m, a) -> {
                                if (m.getName().equals("unregister")) {
                                    if (unregistered[0]) {
                                        throw new IllegalStateException("already unregistered");
                                    }
                                    unregistered[0] = true;
                                    return null;
                                }
                                throw new UnsupportedOperationException(m.getName());
                            });
                });
    }
}
