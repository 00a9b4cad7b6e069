package io.hybridfog.launcher;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An Apache Felix framework booted in this JVM with every bundle of some folders, configured through
 * ConfigAdmin from the {@code .cfg} files of a config folder (Felix FileInstall; {@code ${name}} in a
 * value is replaced by the framework property {@code name}), optionally with a deploy folder where FileInstall
 * installs, updates and uninstalls bundle jars (model bundles) while the framework runs.
 *
 * <p>FileInstall watches a copy of the config folder ({@code <work>/config}), so the operator's files are never
 * rewritten; {@link Spec#overrides()} replace single keys in that copy (e.g. {@code --broker}).
 */
public final class FelixRuntime implements AutoCloseable {
    // gateway and cloud worker start last and stop first, so they never see their dependencies leave one by one
    private static final int SERVICE_START_LEVEL = 3;
    private static final Set<String> SERVICE_BUNDLES = Set.of("io.hybridfog.edge", "io.hybridfog.cloud");
    /** Factory configuration of FileInstall that watches the deploy folder (like Karaf's deploy/). */
    static final String DEPLOY_WATCHER_CFG = "org.apache.felix.fileinstall-deploy.cfg";

    /**
     * What to boot.
     *
     * @param bundleDirs folders whose {@code *.jar} files are installed and started at boot
     * @param configDir  folder of {@code <pid>.cfg} files
     * @param deployDir  folder watched for bundle jars (installed/updated/uninstalled at run time), or null
     * @param workDir    framework cache and the watched config copy
     * @param properties extra framework properties (they win over the defaults, e.g. {@code gosh.args}), visible
     *                   to the .cfg files as {@code ${key}}
     * @param overrides  PID to (key to value): keys replaced or added in the copy of {@code <pid>.cfg}
     */
    public record Spec(List<Path> bundleDirs, Path configDir, Path deployDir, Path workDir,
                       Map<String, String> properties, Map<String, Map<String, String>> overrides) {
        public Spec {
            bundleDirs = List.copyOf(bundleDirs);
            properties = properties == null ? Map.of() : Map.copyOf(properties);
            overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
        }
    }

    private final Framework framework;

    private FelixRuntime(Framework framework) {
        this.framework = framework;
    }

    /** The demo's form: no deploy folder, no overrides. */
    public static FelixRuntime start(List<Path> bundleDirs, Path configDir, Path workDir, Map<String, String> properties)
            throws IOException, BundleException {
        return start(new Spec(bundleDirs, configDir, null, workDir, properties, Map.of()));
    }

    public static FelixRuntime start(Spec spec) throws IOException, BundleException {
        Map<String, String> config = new HashMap<>();
        config.put("felix.log.level", "1");
        // Gogo: with standard input closed an interactive shell stops the whole framework
        config.put("gosh.args", "--nointeractive");
        config.putAll(spec.properties());
        config.put(Constants.FRAMEWORK_STORAGE, spec.workDir().resolve("felix-cache").toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        // the cache above is wiped at every start; state that must survive a restart (the gateway's journal,
        // model pins) lives beside it
        config.putIfAbsent("hybridfog.state.dir", spec.workDir().resolve("state").toString()); // FrameworkProperties.STATE_DIR (bundles/config)
        // FileInstall watches a copy: it may rewrite the files it watches, the originals stay untouched
        Path watched = copyConfig(spec.configDir(), spec.workDir().resolve("config"), spec.overrides());
        if (spec.deployDir() != null) {
            writeDeployWatcher(watched, spec.deployDir());
        }
        config.put("felix.fileinstall.dir", watched.toString());
        config.put("felix.fileinstall.filter", ".*\\.cfg");
        config.put("felix.fileinstall.poll", "500");
        config.put("felix.fileinstall.noInitialDelay", "true");
        config.put("felix.fileinstall.enableConfigSave", "false");
        config.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(SERVICE_START_LEVEL));
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"));
        Framework framework = factory.newFramework(config);
        framework.init();
        List<Bundle> installed = new ArrayList<>();
        for (Path dir : spec.bundleDirs()) {
            try (Stream<Path> jars = Files.list(dir)) {
                for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                    Bundle b = framework.getBundleContext().installBundle(jar.toUri().toString());
                    b.adapt(BundleStartLevel.class).setStartLevel(
                            SERVICE_BUNDLES.contains(b.getSymbolicName()) ? SERVICE_START_LEVEL : SERVICE_START_LEVEL - 1);
                    installed.add(b);
                }
            }
        }
        // mark every bundle started before the framework starts: raising the start level then starts level 2
        // (SCR, policies, models, ...) completely before level 3 (gateway, cloud worker), so the gateway activates once,
        // with every exit policy present
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start();
            }
        }
        framework.start();
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null && b.getState() != Bundle.ACTIVE) {
                try {
                    b.start(); // not started at its level: start it now to get the reason
                } catch (BundleException e) {
                    framework.stop();
                    throw new BundleException("bundle " + b.getSymbolicName() + " did not start: " + e.getMessage(), e);
                }
            }
        }
        return new FelixRuntime(framework);
    }

    public Framework framework() {
        return framework;
    }

    /** True if a service of that class name is registered (by name: the launcher does not see bundle classes). */
    public boolean hasService(String className) {
        try {
            ServiceReference<?>[] refs = framework.getBundleContext().getAllServiceReferences(className, null);
            return refs != null && refs.length > 0;
        } catch (InvalidSyntaxException | IllegalStateException e) {
            return false;
        }
    }

    /** Declarative Services' view of the components of bundles whose symbolic name starts with the prefix. */
    public List<ComponentStatus> components(String bundlePrefix) {
        return ComponentStatus.read(framework.getBundleContext(), bundlePrefix);
    }

    /** Blocks until the framework stopped (Gogo {@code stop 0}, {@link #close()}). */
    public void waitForStop() throws InterruptedException {
        framework.waitForStop(0);
    }

    private static Path copyConfig(Path from, Path to, Map<String, Map<String, String>> overrides) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IOException("configuration folder " + from + " does not exist");
        }
        Files.createDirectories(to);
        try (Stream<Path> old = Files.list(to)) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cfg")).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        for (Map.Entry<String, Map<String, String>> e : overrides.entrySet()) {
            Path cfg = to.resolve(e.getKey() + ".cfg");
            List<String> lines = Files.exists(cfg) ? new ArrayList<>(Files.readAllLines(cfg, StandardCharsets.UTF_8))
                    : new ArrayList<>();
            for (Map.Entry<String, String> kv : e.getValue().entrySet()) {
                lines.removeIf(l -> l.matches("\\s*" + java.util.regex.Pattern.quote(kv.getKey()) + "\\s*[=:].*"));
                lines.add(kv.getKey() + "=" + escape(kv.getValue()));
            }
            Files.write(cfg, lines, StandardCharsets.UTF_8);
        }
        return to.toAbsolutePath();
    }

    private static void writeDeployWatcher(Path watchedConfig, Path deployDir) throws IOException {
        if (!Files.isDirectory(deployDir)) {
            throw new IOException("deploy folder " + deployDir + " does not exist");
        }
        Files.write(watchedConfig.resolve(DEPLOY_WATCHER_CFG), List.of(
                "# generated by the launcher: FileInstall installs, updates and uninstalls the bundle jars of this folder",
                "felix.fileinstall.dir=" + escape(deployDir.toAbsolutePath().normalize().toString()),
                "felix.fileinstall.filter=.*\\\\.jar",
                "felix.fileinstall.poll=500",
                "felix.fileinstall.noInitialDelay=true",
                "felix.fileinstall.bundles.new.start=true"), StandardCharsets.UTF_8);
    }

    /** Properties-file escaping for a value (backslashes; FileInstall reads the file like java.util.Properties). */
    private static String escape(String value) {
        return value.replace("\\", "\\\\");
    }

    @Override
    public void close() {
        try {
            framework.stop();
            framework.waitForStop(30_000);
        } catch (Exception e) {
            System.err.println("warning: Felix did not stop cleanly: " + e.getMessage());
        }
    }
}
