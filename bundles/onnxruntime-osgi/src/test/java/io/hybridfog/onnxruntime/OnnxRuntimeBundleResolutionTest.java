package io.hybridfog.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The bundle jar resolves in Felix on the platforms whose natives it carries and on no other: Felix is told the
 * platform through org.osgi.framework.processor / os.name, as it derives them from os.arch / os.name on that machine
 * (amd64 becomes x86-64; aarch64 stays aarch64).
 */
class OnnxRuntimeBundleResolutionTest {
    private static final Path JAR = Path.of(System.getProperty("bundle.jar", "target/hybridfog-onnxruntime-osgi-0.1.0-SNAPSHOT.jar"));

    @ParameterizedTest(name = "{0} on {1}: resolves {2}")
    @CsvSource({"Linux, amd64, true", "Linux, aarch64, true", "Linux, ppc64le, false", "Mac OS X, aarch64, false"})
    void resolvesOnLinuxX64AndAarch64Only(String os, String arch, boolean resolves, @TempDir Path storage) throws Exception {
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow();
        Framework framework = factory.newFramework(Map.of(
                Constants.FRAMEWORK_STORAGE, storage.toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT,
                Constants.FRAMEWORK_OS_NAME, os,
                Constants.FRAMEWORK_PROCESSOR, arch));
        framework.start();
        try {
            Bundle ort = framework.getBundleContext().installBundle(JAR.toUri().toString());
            boolean resolved = framework.adapt(FrameworkWiring.class).resolveBundles(List.of(ort));
            assertEquals(resolves, resolved, "state " + ort.getState());
        } finally {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }
}
