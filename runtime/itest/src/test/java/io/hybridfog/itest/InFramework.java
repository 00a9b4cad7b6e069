package io.hybridfog.itest;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.PartitionProperties;
import io.hybridfog.api.transport.MessageBus;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * Runs inside the framework (in the Pax Exam probe): configures the runtime through ConfigAdmin and looks up
 * its services. The configuration is the demo runtime's own, config/demo/*.cfg (folder from the system property
 * {@code hybridfog.itest.config}), with its ${...} placeholders set to this test's broker, gateway id and model,
 * plus per-test overrides.
 */
final class InFramework {
    static final String GATEWAY_ID = "itest-gateway";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");

    private InFramework() {
    }

    static BundleContext context() {
        Bundle b = FrameworkUtil.getBundle(InFramework.class);
        if (b == null) {
            throw new IllegalStateException("not running inside OSGi");
        }
        return b.getBundleContext();
    }

    static String brokerUrl() {
        String url = System.getProperty(Broker.URL_PROPERTY);
        if (url == null) {
            throw new IllegalStateException("no broker: system property " + Broker.URL_PROPERTY + " is not set");
        }
        return url;
    }

    static Path configDir() {
        return Path.of(System.getProperty("hybridfog.itest.config", "../../config/demo"));
    }

    static final String CLIENT_ID = "itest-runtime";

    /**
     * The runtime configuration of these tests, PID → properties: config/demo/*.cfg with its placeholders resolved
     * (so the demo's settings are the ones tested), overlaid with what a test run must have whatever the demo
     * files say: the bus connects to this test's broker, the gateway serves this model under {@link #GATEWAY_ID},
     * and the cloud worker has a configuration (its component requires one).
     */
    static Map<String, Map<String, String>> runtimeConfiguration(String modelName) {
        Map<String, Map<String, String>> pids = demoConfiguration(modelName);
        pids.computeIfAbsent("io.hybridfog.mqtt", k -> new LinkedHashMap<>()).putAll(Map.of(
                "broker.url", brokerUrl(), "client.id", CLIENT_ID));
        pids.computeIfAbsent("io.hybridfog.edge", k -> new LinkedHashMap<>()).putAll(Map.of(
                "gateway.id", GATEWAY_ID, "model", modelName));
        pids.computeIfAbsent("io.hybridfog.cloud", k -> new LinkedHashMap<>());
        return pids;
    }

    /** The PID → properties of config/demo/*.cfg, placeholders resolved. */
    static Map<String, Map<String, String>> demoConfiguration(String modelName) {
        Map<String, String> vars = Map.of(
                "hybridfog.broker.url", brokerUrl(),
                "hybridfog.gateway.id", GATEWAY_ID,
                "hybridfog.model", modelName);
        Map<String, Map<String, String>> pids = new TreeMap<>();
        try (var files = Files.list(configDir())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cfg")).sorted().toList()) {
                String pid = f.getFileName().toString().replaceFirst("\\.cfg$", "");
                Properties p = new Properties();
                try (Reader r = Files.newBufferedReader(f)) {
                    p.load(r);
                }
                Map<String, String> values = new LinkedHashMap<>();
                for (String key : new TreeMap<>(p).keySet().stream().map(Object::toString).toList()) {
                    values.put(key, substitute(f, key, p.getProperty(key), vars));
                }
                pids.put(pid, values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    private static String substitute(Path file, String key, String value, Map<String, String> vars) {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = vars.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException(file + ": " + key + " uses ${" + m.group(1) + "}, which the integration test "
                        + "does not know (known: " + vars.keySet() + ")");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Creates or updates the configuration of pid (location "?": any bundle may use it). */
    static void configure(String pid, Map<String, ?> values) throws IOException {
        ConfigurationAdmin ca = service(ConfigurationAdmin.class, null, 10_000);
        Configuration c = ca.getConfiguration(pid, "?");
        Dictionary<String, Object> d = new Hashtable<>();
        values.forEach(d::put);
        c.update(d);
    }

    /**
     * Waits until SCR runs every component that uses one of these PIDs with these values (ACTIVE or SATISFIED
     * and the values among its configuration properties). ConfigAdmin delivers updates asynchronously, and a
     * component reactivated by an update (e.g. the ONNX environment, which re-registers the partitions) would
     * otherwise change the runtime under a test that has already started.
     */
    static void awaitConfigurationApplied(Map<String, Map<String, String>> pids, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        ServiceComponentRuntime scr = service(ServiceComponentRuntime.class, null, timeoutMs);
        while (true) {
            String pending = pendingConfiguration(scr, pids);
            if (pending == null) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("configuration not applied within " + timeoutMs + " ms: " + pending + "\n" + describe());
            }
            sleep(50);
        }
    }

    private static String pendingConfiguration(ServiceComponentRuntime scr, Map<String, Map<String, String>> pids) {
        java.util.Set<String> unused = new java.util.TreeSet<>(pids.keySet());
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            for (String pid : d.configurationPid) {
                Map<String, String> wanted = pids.get(pid);
                if (wanted == null) {
                    continue;
                }
                unused.remove(pid);
                Collection<ComponentConfigurationDTO> cs = scr.getComponentConfigurationDTOs(d);
                if (cs.isEmpty()) {
                    return d.name + " has no configuration yet";
                }
                for (ComponentConfigurationDTO c : cs) {
                    if (c.state != ComponentConfigurationDTO.ACTIVE && c.state != ComponentConfigurationDTO.SATISFIED) {
                        return d.name + " is " + componentState(c.state);
                    }
                    for (Map.Entry<String, String> e : wanted.entrySet()) {
                        if (!e.getValue().equals(String.valueOf(c.properties.get(e.getKey())))) {
                            return d.name + " runs with " + e.getKey() + "=" + c.properties.get(e.getKey()) + ", not " + e.getValue();
                        }
                    }
                }
            }
        }
        return unused.isEmpty() ? null : "no component uses the configuration PID(s) " + unused;
    }

    static <T> T service(Class<T> type, String filter, long timeoutMs) {
        ServiceReference<T> ref = reference(type, filter, timeoutMs);
        T s = context().getService(ref);
        if (s == null) {
            throw new IllegalStateException(type.getName() + " went away");
        }
        return s;
    }

    static <T> ServiceReference<T> reference(Class<T> type, String filter, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            Collection<ServiceReference<T>> refs = references(type, filter);
            if (!refs.isEmpty()) {
                return refs.stream().sorted().reduce((a, b) -> b).orElseThrow(); // highest ranking
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + type.getName() + (filter == null ? "" : " " + filter) + " service within "
                        + timeoutMs + " ms\n" + describe());
            }
            sleep(50);
        }
    }

    static <T> Collection<ServiceReference<T>> references(Class<T> type, String filter) {
        try {
            return context().getServiceReferences(type, filter);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static String modelFilter(String model) {
        return "(" + PartitionProperties.MODEL + "=" + model + ")";
    }

    static EdgePartition edge(String model, long timeoutMs) {
        return service(EdgePartition.class, modelFilter(model), timeoutMs);
    }

    static CloudPartition cloud(String model, long timeoutMs) {
        return service(CloudPartition.class, modelFilter(model), timeoutMs);
    }

    static MessageBus bus(long timeoutMs) {
        return service(MessageBus.class, null, timeoutMs);
    }

    /** Bundles that are not active, with the reason (e.g. Felix's missing requirement), and SCR components that are not active. */
    static String describe() {
        StringBuilder sb = new StringBuilder("--- runtime state ---\n");
        for (Bundle b : context().getBundles()) {
            BundleRevision revision = b.adapt(BundleRevision.class); // null once uninstalled
            boolean fragment = revision != null && (revision.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            String state = switch (b.getState()) {
                case Bundle.ACTIVE -> "ACTIVE";
                case Bundle.RESOLVED -> "RESOLVED";
                case Bundle.INSTALLED -> "INSTALLED";
                case Bundle.STARTING -> "STARTING";
                case Bundle.STOPPING -> "STOPPING";
                default -> "UNINSTALLED";
            };
            sb.append(String.format("bundle %3d %-9s %s %s%n", b.getBundleId(), state, b.getSymbolicName(), b.getVersion()));
            if (b.getState() == Bundle.INSTALLED && !fragment) {
                sb.append("      why: ").append(startFailure(b)).append('\n');
            }
        }
        try {
            ServiceReference<ServiceComponentRuntime> ref = context().getServiceReference(ServiceComponentRuntime.class);
            if (ref == null) {
                sb.append("no ServiceComponentRuntime (SCR not active)\n");
            } else {
                ServiceComponentRuntime scr = context().getService(ref);
                for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
                    if (!scr.isComponentEnabled(d)) {
                        sb.append("component ").append(d.name).append(": DISABLED\n");
                        continue;
                    }
                    Collection<ComponentConfigurationDTO> cs = scr.getComponentConfigurationDTOs(d);
                    if (cs.isEmpty()) {
                        sb.append("component ").append(d.name).append(": no configuration (PIDs ")
                                .append(Arrays.toString(d.configurationPid)).append(", policy ")
                                .append(d.configurationPolicy).append(")\n");
                    }
                    for (ComponentConfigurationDTO c : cs) {
                        sb.append("component ").append(d.name).append(": ").append(componentState(c.state));
                        for (UnsatisfiedReferenceDTO u : c.unsatisfiedReferences) {
                            sb.append(" unsatisfied ").append(u.name).append(" target=").append(u.target);
                        }
                        if (c.failure != null) {
                            sb.append(" failure: ").append(c.failure);
                        }
                        sb.append('\n');
                    }
                }
            }
        } catch (RuntimeException e) {
            sb.append("cannot query SCR: ").append(e).append('\n');
        }
        return sb.toString();
    }

    private static String startFailure(Bundle b) {
        try {
            b.start();
            return "started now without error";
        } catch (BundleException e) {
            return e.getMessage();
        }
    }

    private static String componentState(int s) {
        return switch (s) {
            case ComponentConfigurationDTO.ACTIVE -> "ACTIVE";
            case ComponentConfigurationDTO.SATISFIED -> "SATISFIED";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "UNSATISFIED_REFERENCE";
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "UNSATISFIED_CONFIGURATION";
            case ComponentConfigurationDTO.FAILED_ACTIVATION -> "FAILED_ACTIVATION";
            default -> "state " + s;
        };
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
