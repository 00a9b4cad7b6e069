package io.hybridfog.demo.runtime;

import io.hybridfog.demo.data.TestSet;
import io.hybridfog.launcher.FelixRuntime;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Broker (embedded unless a URL is given) + Felix with the edge gateway, cloud worker and model bundles
 * + a device fleet, started in that order and closed in reverse.
 */
public final class RuntimeStack implements AutoCloseable {
    static final String SAMPLES_PREFIX = "hybridfog/samples/";
    static final String RESULTS_PREFIX = "hybridfog/results/";

    private final EmbeddedBroker broker;
    private final FelixRuntime felix;
    public final DeviceFleet fleet;

    private RuntimeStack(EmbeddedBroker broker, FelixRuntime felix, DeviceFleet fleet) {
        this.broker = broker;
        this.felix = felix;
        this.fleet = fleet;
    }

    /**
     * @param brokerUrl null for an embedded broker on a free loopback port
     * @param configDir ConfigAdmin .cfg folder
     * @param model     model name, visible to the .cfg files as ${hybridfog.model}
     */
    public static RuntimeStack start(String brokerUrl, Path configDir, Path workDir, String model, TestSet testSet,
                              int devices, int window) throws Exception {
        return start(brokerUrl, configDir, workDir, model, distributionDir().resolve("models"), testSet, devices, window);
    }

    /** As {@link #start(String, Path, Path, String, TestSet, int, int)}, with the model bundle jars of {@code modelDir}. */
    public static RuntimeStack start(String brokerUrl, Path configDir, Path workDir, String model, Path modelDir, TestSet testSet,
                              int devices, int window) throws Exception {
        EmbeddedBroker broker = null;
        FelixRuntime felix = null;
        try {
            String url = brokerUrl;
            if (url == null) {
                broker = EmbeddedBroker.start(Files.createDirectories(workDir.resolve("broker")));
                url = broker.url();
                System.out.printf("  embedded MQTT 5 broker (HiveMQ CE) on %s%n", url);
            }
            Path dist = distributionDir();
            felix = FelixRuntime.start(List.of(dist.resolve("bundles"), modelDir), configDir, workDir,
                    Map.of("hybridfog.broker.url", url, "hybridfog.model", model, "hybridfog.gateway.id", "demo-gateway"));
            System.out.printf("  Felix started (config %s); waiting for the gateway to answer a probe sample ...%n", configDir);
            DeviceFleet fleet = new DeviceFleet(url, devices, window, testSet, SAMPLES_PREFIX, RESULTS_PREFIX);
            if (!fleet.awaitReady(90_000)) {
                fleet.close();
                throw new IOException("the gateway did not answer a probe sample within 90 s; see "
                        + System.getProperty("hybridfog.log.dir", ".hybridfog/logs") + "/hybridfog.log");
            }
            System.out.println("  edge gateway and cloud worker ready");
            return new RuntimeStack(broker, felix, fleet);
        } catch (Exception e) {
            if (felix != null) {
                felix.close();
            }
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    /**
     * The distribution folder (bundles/, models/): the system property {@code hybridfog.dist} when set (tests run
     * from target/classes, before the jar exists), else the folder of the jar this class was loaded from.
     */
    public static Path distributionDir() throws URISyntaxException {
        String dist = System.getProperty("hybridfog.dist");
        if (dist != null && !dist.isBlank()) {
            return Path.of(dist);
        }
        return Path.of(RuntimeStack.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
    }

    /** The gateway's GatewayMetrics service object (loaded by the edge bundle: call it reflectively), or null. */
    public Object gatewayMetrics() {
        return service("io.hybridfog.edge.GatewayMetrics");
    }

    /** A service object of this interface name (loaded by its bundle: call it reflectively), or null. */
    public Object service(String interfaceName) {
        var context = felix.framework().getBundleContext();
        try {
            // all references, not only those whose class this class loader sees the same (tests have the edge
            // bundle's classes on their class path too)
            var refs = context.getAllServiceReferences(interfaceName, null);
            return refs == null || refs.length == 0 ? null : context.getService(refs[0]);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e); // no filter given
        }
    }

    @Override
    public void close() {
        fleet.close();
        felix.close();
        if (broker != null) {
            broker.close();
        }
    }
}
