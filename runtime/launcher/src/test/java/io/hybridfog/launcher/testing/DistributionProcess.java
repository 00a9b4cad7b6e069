package io.hybridfog.launcher.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A packaged distribution ({@code <dist>/<name>.jar}) started as a child JVM, with its output (stdout and stderr
 * together) collected, for tests. Stdin is closed, so the launcher runs Gogo non-interactively.
 *
 * <pre>{@code
 * try (DistributionProcess gw = DistributionProcess.start(dist, "hybridfog-gateway.jar", work, "--broker", url)) {
 *     gw.awaitOutput("ready:", 60_000);
 * }
 * }</pre>
 */
public final class DistributionProcess implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread pump;

    private DistributionProcess(Process process) {
        this.process = process;
        this.pump = new Thread(this::pump, "output-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * @param dist distribution folder
     * @param jar  launcher jar file name in it
     * @param work a folder of the test's: framework cache ({@code --work}) and java.io.tmpdir go there
     */
    public static DistributionProcess start(Path dist, String jar, Path work, String... args) throws IOException {
        Path launcher = dist.resolve(jar);
        if (!Files.isRegularFile(launcher)) {
            throw new IOException(launcher + " does not exist: package the distribution first (mvn package)");
        }
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Djava.io.tmpdir=" + tmp, "-jar", launcher.toString(), "--work", work.resolve("felix").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                Path.of("/dev/null").toFile()));
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        pb.environment().remove("HYBRIDFOG_CONFIG");
        return new DistributionProcess(pb.start());
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.append(line).append('\n');
            }
        } catch (IOException ignored) {
            // process ended
        }
    }

    /** Everything the process printed so far. */
    public String output() {
        return output.toString();
    }

    /** Waits until the output contains the text; false on timeout or if the process ended without printing it. */
    public boolean awaitOutput(String text, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            if (output.indexOf(text) >= 0) {
                return true;
            }
            if (!process.isAlive()) {
                pump.join(2_000);
                return output.indexOf(text) >= 0;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** Waits for the process to exit; its exit code, or null on timeout. */
    public Integer awaitExit(long timeoutMs) throws InterruptedException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            return null;
        }
        pump.join(2_000);
        return process.exitValue();
    }

    public Process process() {
        return process;
    }

    /** SIGTERM (the launcher stops Felix), then SIGKILL after 20 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        pump.join(2_000);
    }
}
