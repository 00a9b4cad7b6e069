package io.hybridfog.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher scripts build through {@code runtime/maven-build}, whose output, written to a file as in a log, holds
 * Maven's messages and no terminal escape sequence. Runs the real Maven, offline, on a throw-away one-file project.
 */
class LauncherBuildOutputTest {
    /** The checkout: surefire runs in runtime/launcher. */
    private static final Path HOME = Path.of("../..").toAbsolutePath().normalize();
    private static final Path MAVEN_BUILD = HOME.resolve("runtime/maven-build");

    @Test
    void launchersBuildThroughTheSharedMavenInvocation() throws IOException {
        for (String launcher : List.of("hybridfog", "runtime/run-distribution")) {
            String script = Files.readString(HOME.resolve(launcher));
            assertTrue(script.contains("runtime/maven-build "), launcher + " builds through runtime/maven-build");
            assertFalse(script.lines().map(String::strip).filter(l -> !l.startsWith("#") && !l.startsWith("echo"))
                    .anyMatch(l -> l.matches(".*(^|[;&|(]\\s*)mvn\\s.*")), launcher + " calls mvn only through runtime/maven-build");
        }
        for (String role : List.of("hybridfog-gateway", "hybridfog-cloud")) {
            assertTrue(Files.readString(HOME.resolve(role)).contains("runtime/run-distribution"), role);
        }
    }

    @Test
    void aSuccessfulBuildWritesNoEscapeSequence(@TempDir Path tmp) throws Exception {
        Path pom = project(tmp);
        Result r = mavenBuild(tmp, "-o", "-f", pom.toString(), "validate");
        assertEquals(0, r.exitCode, r.output);
        assertNoEscape(r.output);
    }

    @Test
    void aFailingBuildKeepsMavensMessagesWithoutEscapeSequences(@TempDir Path tmp) throws Exception {
        Path pom = project(tmp);
        // offline, an unknown plugin prefix fails at once with [ERROR] lines
        Result r = mavenBuild(tmp, "-o", "-f", pom.toString(), "no-such-plugin-prefix:run");
        assertNotEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("[ERROR]"), r.output);
        assertNoEscape(r.output);
    }

    private static void assertNoEscape(String output) {
        int at = output.indexOf('\u001b');
        assertEquals(-1, at, () -> "escape sequence at " + at + ": "
                + output.substring(Math.max(0, at - 20), Math.min(output.length(), at + 20)).replace("\u001b", "^["));
    }

    private static Path project(Path dir) throws IOException {
        return Files.writeString(dir.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>test</groupId><artifactId>build-output</artifactId><version>1</version><packaging>pom</packaging>
                </project>
                """);
    }

    private record Result(int exitCode, String output) {
    }

    /** Standard output and error go to a file, not a terminal, as when a launcher's output is logged. */
    private static Result mavenBuild(Path dir, String... args) throws Exception {
        Path log = dir.resolve("build.log");
        List<String> command = new java.util.ArrayList<>(List.of(MAVEN_BUILD.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("runtime/maven-build did not finish in 120 s");
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
