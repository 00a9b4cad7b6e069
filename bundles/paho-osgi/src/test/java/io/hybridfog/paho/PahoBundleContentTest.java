package io.hybridfog.paho;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The bundle content bnd laid out in target/classes (which becomes the jar). */
class PahoBundleContentTest {
    private static final Path CONTENT = Path.of(System.getProperty("bundle.content.dir", "target/classes"));

    @Test
    void exportsEveryPahoPackage() throws Exception {
        Manifest manifest = manifest();
        assertEquals("org.eclipse.paho.mqttv5.client", manifest.getMainAttributes().getValue("Bundle-SymbolicName"));
        assertEquals("1.2.5", manifest.getMainAttributes().getValue("Bundle-Version"));
        String exports = manifest.getMainAttributes().getValue("Export-Package");
        for (String pkg : List.of("client", "client.persist", "client.spi", "client.security", "common", "common.packet", "common.util")) {
            assertTrue(exports.contains("org.eclipse.paho.mqttv5." + pkg + ";version=\"1.2.5\""), pkg + " not in " + exports);
        }
    }

    @Test
    void isUnsigned() throws Exception {
        assertTrue(manifest().getEntries().isEmpty(), "per-entry digests of the signed upstream manifest were copied");
        try (Stream<Path> files = Files.list(CONTENT.resolve("META-INF"))) {
            List<String> signatures = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("(?i).*\\.(SF|RSA|DSA|EC)")).toList();
            assertEquals(List.of(), signatures);
        }
    }

    /** Without META-INF/services Paho fails with: no NetworkModule installed for scheme "tcp". */
    @Test
    void providesTheTcpNetworkModule() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {CONTENT.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> factoryType = loader.loadClass("org.eclipse.paho.mqttv5.client.spi.NetworkModuleFactory");
            Set<Object> schemes = new HashSet<>();
            for (Object factory : ServiceLoader.load(factoryType, loader)) {
                schemes.addAll((Set<?>) factoryType.getMethod("getSupportedUriSchemes").invoke(factory));
            }
            assertEquals(Set.of("tcp", "ssl", "ws", "wss"), schemes);
        }
    }

    /**
     * The bundle holds the patched classes of PATCHES.md, not upstream's: bnd must take them from this module's output.
     * Upstream's MqttPublish has no getDecodeFailure().
     */
    @Test
    void holdsThePatchedClasses() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {CONTENT.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> publish = loader.loadClass("org.eclipse.paho.mqttv5.common.packet.MqttPublish");
            assertEquals(Exception.class, publish.getMethod("getDecodeFailure").getReturnType());
            for (String patched : List.of("common/packet/MqttProperties", "common/packet/MqttConnect",
                    "common/packet/MqttPublish", "client/internal/CommsCallback")) {
                Path source = Path.of("src/main/java/org/eclipse/paho/mqttv5", patched + ".java");
                assertTrue(Files.readString(source).contains("HybridFog patch"), source + " carries no marked change");
                assertTrue(Files.isRegularFile(CONTENT.resolve("org/eclipse/paho/mqttv5/" + patched + ".class")), patched);
            }
        }
        // the patches were made against 1.2.5: another version needs PATCHES.md's upgrade steps
        assertEquals("1.2.5", manifest().getMainAttributes().getValue("Bundle-Version"), "see bundles/paho-osgi/PATCHES.md");
    }

    private static Manifest manifest() throws Exception {
        try (InputStream in = Files.newInputStream(CONTENT.resolve("META-INF/MANIFEST.MF"))) {
            return new Manifest(in);
        }
    }
}
