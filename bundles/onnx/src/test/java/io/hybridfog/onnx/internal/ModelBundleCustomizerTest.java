package io.hybridfog.onnx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.PartitionProperties;
import io.hybridfog.api.Tensor;
import io.hybridfog.onnx.OnnxEdgePartition;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.Version;

/**
 * The extender's bundle callbacks against stand-ins of Bundle and BundleContext (java.lang.reflect.Proxy) and the
 * committed model files; the real framework path is exercised by runtime/itest.
 */
class ModelBundleCustomizerTest {
    private static final Path MODEL_DIR = Path.of(System.getProperty("hybridfog.model.dir", "../../models/fashion-mnist"));
    private static OnnxEnvironmentComponent onnx;
    private static String version;

    /** A service registered through the fake context. */
    record Registered(String type, Object service, Dictionary<String, ?> properties, boolean[] unregistered) {
    }

    private final List<Registered> registered = new ArrayList<>();
    private final List<ModelBundleRegistration> toClose = new ArrayList<>();
    private ModelBundleCustomizer customizer;

    @BeforeAll
    static void activateEnvironment() throws Exception {
        onnx = new OnnxEnvironmentComponent();
        onnx.activate(Map.of());
        try (var options = onnx.newSessionOptions();
             OnnxEdgePartition edge = io.hybridfog.onnx.OnnxPartitions.loadEdge(onnx.environment(),
                     Files.readAllBytes(MODEL_DIR.resolve("edge.onnx")), options)) {
            version = edge.descriptor().version();
        }
    }

    @BeforeEach
    void newCustomizer() {
        customizer = new ModelBundleCustomizer(fakeContext(), onnx);
    }

    @AfterEach
    void closeSessions() {
        toClose.forEach(ModelBundleRegistration::close);
    }

    /** addingBundle, remembering what to close after the test. */
    private ModelBundleRegistration add(Bundle bundle) {
        ModelBundleRegistration registration = customizer.addingBundle(bundle, null);
        if (registration != null) {
            toClose.add(registration);
        }
        return registration;
    }

    @Test
    void registersBothPartitionsWithModelPropertiesAndClosesThemOnRemoval() throws Exception {
        Bundle bundle = modelBundle(1, "edge=models/edge.onnx,cloud=models/cloud.onnx", true);

        ModelBundleRegistration registration = add(bundle);

        assertNotNull(registration);
        assertEquals(List.of(EdgePartition.class.getName(), CloudPartition.class.getName()),
                registered.stream().map(Registered::type).toList());
        for (Registered r : registered) {
            assertEquals("fashion-mnist-hybrid", r.properties().get(PartitionProperties.MODEL));
            assertEquals(version, r.properties().get(PartitionProperties.VERSION));
        }
        EdgePartition edge = (EdgePartition) registered.get(0).service();
        Tensor blank = new Tensor(new long[] {1, 1, 28, 28}, new float[28 * 28]);
        edge.run(blank);

        customizer.removedBundle(bundle, null, registration);

        assertTrue(registered.stream().allMatch(r -> r.unregistered()[0]), "services unregistered");
        HybridFogException e = assertThrows(HybridFogException.class, () -> edge.run(blank));
        assertEquals(ErrorCode.UNKNOWN_MODEL, e.code());
    }

    @Test
    void ignoresBundlesWithoutModelHeaders() {
        Bundle plain = fakeBundle(2, new Hashtable<>(Map.of("Bundle-SymbolicName", "some.library")));
        assertNull(add(plain));
        assertEquals(List.of(), registered);
    }

    @Test
    void refusesABundleThatFailsValidation() throws Exception {
        Bundle corrupt = modelBundle(3, "edge=models/edge.onnx,cloud=models/cloud.onnx", false);
        assertNull(add(corrupt));
        assertEquals(List.of(), registered);
    }

    @Test
    void refusesASecondBundleOfTheSamePartitionAndVersionUntilTheFirstIsGone() throws Exception {
        Bundle first = modelBundle(4, "edge=models/edge.onnx", true);
        Bundle second = modelBundle(5, "edge=models/edge.onnx,cloud=models/cloud.onnx", true);
        ModelBundleRegistration registration = add(first);
        assertNotNull(registration);

        assertNull(add(second), "edge partition of the same version registered twice");
        assertEquals(1, registered.size());

        customizer.removedBundle(first, null, registration);
        assertNotNull(add(second));
        assertEquals(3, registered.size());
    }

    @Test
    void edgeAndCloudOfOneVersionMayComeFromSeparateBundles() throws Exception {
        assertNotNull(add(modelBundle(6, "edge=models/edge.onnx", true)));
        assertNotNull(add(modelBundle(7, "cloud=models/cloud.onnx", true)));
        assertEquals(List.of(EdgePartition.class.getName(), CloudPartition.class.getName()),
                registered.stream().map(Registered::type).toList());
    }

    private Bundle modelBundle(long id, String partitions, boolean correctChecksums) throws Exception {
        String edge = sha256("edge.onnx");
        String cloud = sha256("cloud.onnx");
        StringBuilder checksums = new StringBuilder();
        for (String clause : partitions.split(",")) {
            String kind = clause.substring(0, clause.indexOf('='));
            String sha = kind.equals("edge") == correctChecksums ? edge : cloud;
            checksums.append(checksums.isEmpty() ? "" : ",").append(kind).append("=sha256:").append(sha);
        }
        Hashtable<String, String> headers = new Hashtable<>();
        headers.put("Bundle-SymbolicName", "io.hybridfog.model.test" + id);
        headers.put("HybridFog-Model", "fashion-mnist-hybrid");
        headers.put("HybridFog-Model-Version", version);
        headers.put("HybridFog-Partitions", partitions);
        headers.put("HybridFog-Checksums", checksums.toString());
        return fakeBundle(id, headers);
    }

    private static String sha256(String file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(MODEL_DIR.resolve(file))));
    }

    /** A bundle whose entries models/edge.onnx and models/cloud.onnx are the committed files. */
    private static Bundle fakeBundle(long id, Dictionary<String, String> headers) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "getHeaders":
                    return headers;
                case "getEntry":
                    Path file = MODEL_DIR.resolve(((String) args[0]).replaceFirst("^models/", ""));
                    return ((String) args[0]).startsWith("models/") && Files.isRegularFile(file) ? file.toUri().toURL() : (URL) null;
                case "getSymbolicName":
                    return headers.get("Bundle-SymbolicName");
                case "getVersion":
                    return new Version(1, 0, 0);
                case "getBundleId":
                    return id;
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
                    return Proxy.newProxyInstance(ServiceRegistration.class.getClassLoader(), new Class<?>[] {ServiceRegistration.class},
                            (p, m, a) -> {
                                if (m.getName().equals("unregister")) {
                                    unregistered[0] = true;
                                    return null;
                                }
                                throw new UnsupportedOperationException(m.getName());
                            });
                });
    }
}
