package io.hybridfog.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The bundle content bnd laid out in target/classes (which becomes the jar). */
class OnnxRuntimeBundleContentTest {
    private static final Path CONTENT = Path.of(System.getProperty("bundle.content.dir", "target/classes"));

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

    @Test
    void carriesOnlyTheLinuxX64NativeLibraries() throws Exception {
        Path natives = CONTENT.resolve("ai/onnxruntime/native");
        try (Stream<Path> files = Files.walk(natives)) {
            List<String> found = files.filter(Files::isRegularFile).map(p -> natives.relativize(p).toString()).sorted().toList();
            assertEquals(List.of("linux-x64/libonnxruntime.so", "linux-x64/libonnxruntime4j_jni.so"), found);
        }
    }

    /** The natives are found and loaded from this content alone, as they will be from the bundle's class loader. */
    @Test
    void onnxRuntimeStartsFromTheBundleContentAlone() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {CONTENT.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> environment = loader.loadClass("ai.onnxruntime.OrtEnvironment");
            assertEquals(loader, environment.getClassLoader());
            Object env = environment.getMethod("getEnvironment").invoke(null);
            assertEquals("1.29.0", environment.getMethod("getVersion").invoke(env));
        }
    }

    private static Attributes manifest() throws Exception {
        try (InputStream in = Files.newInputStream(CONTENT.resolve("META-INF/MANIFEST.MF"))) {
            return new Manifest(in).getMainAttributes();
        }
    }
}
