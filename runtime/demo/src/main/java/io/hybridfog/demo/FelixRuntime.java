package io.hybridfog.demo;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * An Apache Felix framework booted in this JVM with every bundle of a folder, configured through
 * ConfigAdmin from the {@code .cfg} files of a config folder (Felix FileInstall; {@code ${name}} in a
 * value is replaced by the framework property {@code name}).
 */
final class FelixRuntime implements AutoCloseable {
    // gateway and cloud worker start last and stop first, so they never see their dependencies leave one by one
    private static final int SERVICE_START_LEVEL = 3;
    private static final java.util.Set<String> SERVICE_BUNDLES = java.util.Set.of("io.hybridfog.edge", "io.hybridfog.cloud");

    private final Framework framework;

    private FelixRuntime(Framework framework) {
        this.framework = framework;
    }

    /**
     * @param bundleDirs folders whose {@code *.jar} files are installed and started
     * @param configDir  folder of {@code <pid>.cfg} files
     * @param properties extra framework properties, visible to the .cfg files as {@code ${key}}
     */
    static FelixRuntime start(List<Path> bundleDirs, Path configDir, Path workDir, Map<String, String> properties)
            throws IOException, BundleException {
        Map<String, String> config = new HashMap<>(properties);
        config.put(Constants.FRAMEWORK_STORAGE, workDir.resolve("felix-cache").toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("felix.log.level", "1");
        // FileInstall watches a copy: it may rewrite the files it watches, the originals stay untouched
        config.put("felix.fileinstall.dir", copyConfig(configDir, workDir.resolve("config")).toString());
        config.put("felix.fileinstall.filter", ".*\\.cfg");
        config.put("felix.fileinstall.poll", "500");
        config.put("felix.fileinstall.noInitialDelay", "true");
        config.put("felix.fileinstall.enableConfigSave", "false");
        config.put("gosh.args", "--nointeractive");
        config.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(SERVICE_START_LEVEL));
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"));
        Framework framework = factory.newFramework(config);
        framework.init();
        List<Bundle> installed = new ArrayList<>();
        for (Path dir : bundleDirs) {
            try (Stream<Path> jars = Files.list(dir)) {
                for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                    Bundle b = framework.getBundleContext().installBundle(jar.toUri().toString());
                    b.adapt(BundleStartLevel.class).setStartLevel(
                            SERVICE_BUNDLES.contains(b.getSymbolicName()) ? SERVICE_START_LEVEL : SERVICE_START_LEVEL - 1);
                    installed.add(b);
                }
            }
        }
        framework.start();
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                try {
                    b.start();
                } catch (BundleException e) {
                    framework.stop();
                    throw new BundleException("bundle " + b.getSymbolicName() + " did not start: " + e.getMessage(), e);
                }
            }
        }
        return new FelixRuntime(framework);
    }

    private static Path copyConfig(Path from, Path to) throws IOException {
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
        return to.toAbsolutePath();
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
