package io.hybridfog.itest;

import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.ops4j.pax.exam.Option;

/**
 * The bundles Felix boots, in install order: exactly those the demo runtime installs
 * (runtime/demo/pom.xml, executions {@code bundles} and {@code models}; {@link BundleListTest} keeps the two
 * lists equal). Each file comes from this module's Maven dependencies: the build passes it as the system
 * property {@code bundle.<artifactId>} (maven-dependency-plugin's {@code properties} goal feeding surefire),
 * so the jars are the reactor's own target/*.jar in a full build and the local repository's with {@code -pl}.
 * Used on the Pax Exam driver side only.
 */
final class RuntimeBundles {

    /** groupId:artifactId of every bundle, in install order. */
    static final List<String> ARTIFACTS = List.of(
            "org.osgi:org.osgi.util.function",
            "org.osgi:org.osgi.util.promise",
            "org.osgi:org.osgi.service.component",
            "org.apache.felix:org.apache.felix.scr",
            "org.apache.felix:org.apache.felix.configadmin",
            "org.apache.felix:org.apache.felix.fileinstall",
            "org.apache.felix:org.apache.felix.gogo.runtime",
            "org.apache.felix:org.apache.felix.gogo.command",
            "com.fasterxml.jackson.core:jackson-annotations",
            "com.fasterxml.jackson.core:jackson-core",
            "com.fasterxml.jackson.core:jackson-databind",
            "com.h2database:h2-mvstore",
            "io.hybridfog:hybridfog-api",
            "io.hybridfog:hybridfog-config",
            "io.hybridfog:hybridfog-onnxruntime-osgi",
            "io.hybridfog:hybridfog-paho-osgi",
            "io.hybridfog:hybridfog-codec",
            "io.hybridfog:hybridfog-policy",
            "io.hybridfog:hybridfog-energy",
            "io.hybridfog:hybridfog-onnx",
            "io.hybridfog:hybridfog-mqtt",
            "io.hybridfog:hybridfog-edge",
            "io.hybridfog:hybridfog-cloud",
            "io.hybridfog:hybridfog-metrics",
            "io.hybridfog:hybridfog-model-fashion-mnist");

    private RuntimeBundles() {
    }

    static String artifactId(String coordinates) {
        return coordinates.substring(coordinates.indexOf(':') + 1);
    }

    /** The file of one bundle, checked to be a packaged jar. */
    static File file(String coordinates) {
        String key = "bundle." + artifactId(coordinates);
        String path = System.getProperty(key);
        if (path == null || path.isBlank() || path.startsWith("${")) {
            throw new IllegalStateException("system property " + key + " is not set (got '" + path
                    + "'): run the tests through Maven (mvn -pl runtime/itest -am install), which passes every bundle's file");
        }
        File f = new File(path);
        if (f.isDirectory()) {
            throw new IllegalStateException(coordinates + " resolved to the folder " + f + ", not a jar: the reactor ran "
                    + "without packaging it; run at least 'mvn verify' (or install) so the bundles are jars");
        }
        if (!f.isFile()) {
            throw new IllegalStateException(coordinates + ": " + f + " does not exist");
        }
        return f;
    }

    static Option[] options() {
        List<Option> options = new ArrayList<>();
        for (String a : ARTIFACTS) {
            options.add(bundle(file(a).toURI().toString()).start());
        }
        return options.toArray(Option[]::new);
    }
}
