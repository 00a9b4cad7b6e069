package io.hybridfog.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The bundle jar as built (the one the distributions and the Debian packages ship). */
class OnnxRuntimeBundleContentTest {
    private static final Path JAR = Path.of(System.getProperty("bundle.jar", "target/hybridfog-onnxruntime-osgi-0.1.0-SNAPSHOT.jar"));

    @Test
    void exportsOnnxRuntimeAndImportsOnlyTheJavaPlatform() throws Exception {
        Attributes manifest = manifest();
        assertEquals("com.microsoft.onnxruntime", manifest.getValue("Bundle-SymbolicName"));
        assertEquals("1.29.0", manifest.getValue("Bundle-Version"));
        String exports = manifest.getValue("Export-Package");
        for (String pkg : List.of("ai.onnxruntime;version=\"1.29.0\"", "ai.onnxruntime.providers;version=\"1.29.0\"",
                "ai.onnxruntime.platform;version=\"1.29.0\"")) {
            assertTrue(exports.contains(pkg), exports);
        }
        // split at commas outside quoted version ranges
        for (String imported : manifest.getValue("Import-Package").split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
            assertTrue(imported.startsWith("java.") || imported.startsWith("ai.onnxruntime"), "unexpected import " + imported);
        }
    }

    /** One jar for amd64 and arm64 gateways (the Debian packages are Architecture: all), and no other platform's. */
    @Test
    void carriesTheLinuxX64AndAarch64NativeLibrariesOnly() throws Exception {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> natives = Collections.list(jar.entries()).stream().filter(e -> !e.isDirectory())
                    .map(JarEntry::getName).filter(n -> n.startsWith("ai/onnxruntime/native/")).sorted().toList();
            assertEquals(List.of(
                    "ai/onnxruntime/native/linux-aarch64/libonnxruntime.so",
                    "ai/onnxruntime/native/linux-aarch64/libonnxruntime4j_jni.so",
                    "ai/onnxruntime/native/linux-x64/libonnxruntime.so",
                    "ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so"), natives);
            // the aarch64 libraries are ELF files for AArch64 (e_machine 183), not a copy of the x64 ones (62)
            assertEquals(183, elfMachine(jar, "ai/onnxruntime/native/linux-aarch64/libonnxruntime.so"));
            assertEquals(183, elfMachine(jar, "ai/onnxruntime/native/linux-aarch64/libonnxruntime4j_jni.so"));
            assertEquals(62, elfMachine(jar, "ai/onnxruntime/native/linux-x64/libonnxruntime.so"));
        }
    }

    @Test
    void requiresLinuxOnX64OrAarch64() throws Exception {
        String required = manifest().getValue("Require-Capability");
        for (String part : List.of("osgi.native.osname~=linux", "osgi.native.processor~=x86-64", "osgi.native.processor~=aarch64")) {
            assertTrue(required.contains(part), required);
        }
    }

    /** The natives are found and loaded from the jar alone, as they will be from the bundle's class loader. */
    @Test
    void onnxRuntimeStartsFromTheBundleJarAlone() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {JAR.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> environment = loader.loadClass("ai.onnxruntime.OrtEnvironment");
            assertEquals(loader, environment.getClassLoader());
            Object env = environment.getMethod("getEnvironment").invoke(null);
            assertEquals("1.29.0", environment.getMethod("getVersion").invoke(env));
        }
    }

    private static int elfMachine(JarFile jar, String name) throws Exception {
        byte[] header = jar.getInputStream(jar.getEntry(name)).readNBytes(20);
        assertEquals(0x7f, header[0]);
        assertEquals("ELF", new String(header, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
        return (header[18] & 0xff) | (header[19] & 0xff) << 8; // e_machine, little-endian
    }

    private static Attributes manifest() throws Exception {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            return jar.getManifest().getMainAttributes();
        }
    }
}
