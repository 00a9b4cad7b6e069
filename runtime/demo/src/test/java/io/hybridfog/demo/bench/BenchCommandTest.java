package io.hybridfog.demo.bench;

import io.hybridfog.demo.HybridFogCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code hybridfog bench} end to end on 300 Fashion-MNIST test images: the plain ONNX Runtime loop, then three gateway
 * runs (edge-only, calibrated, edge-only), each with the real embedded broker, Felix with the gateway, cloud worker
 * and model bundle from the distribution folder, and the device fleet, each replaying a warm-up and then the
 * measurement over the same samples. Every run must answer all 300 samples without errors and the command must print
 * its table. (Before the fix the measurement replay reused the warm-up's sample ids, the gateway dropped them as
 * redeliveries and the bench waited forever.) About 40 s on 2 cores.
 */
class BenchCommandTest {
    private static final int SAMPLES = 300;
    private static final Pattern RUN = Pattern.compile(
            " {2}-> (\\d+) of (\\d+) answered, (\\d+) samples/s, ([0-9.]+) % exited at the edge, (\\d+) errors");
    private static final Pattern PLAIN_EXITS = Pattern.compile("\\(plain loop: (\\d+) of (\\d+) would exit at the edge\\)");
    private static final Pattern ROW = Pattern.compile("\\| (gateway over MQTT|plain ONNX Runtime loop)[^|]*\\| (\\d+) \\| ([0-9.]+) \\|");

    @BeforeAll
    static void routeRuntimeLogsToLogback() {
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
    }

    @Test
    @Timeout(400)
    void benchAnswersEverySampleAndPrintsItsFigures(@TempDir Path work) {
        Path home = Path.of(System.getProperty("hybridfog.home", "../..")).toAbsolutePath().normalize();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = HybridFogCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int rc = cli.execute("bench", "--samples", Integer.toString(SAMPLES), "--devices", "4", "--window", "8",
                "--stall-timeout", "30", "--home", home.toString(), "--work", work.toString());
        String printed = out + "\n" + err;
        assertEquals(0, rc, "hybridfog bench exit code; output:\n" + printed);

        List<MatchResult> runs = RUN.matcher(out.toString()).results().toList();
        assertEquals(4, runs.size(), "four gateway runs (edge-only, calibrated, edge-only, unloaded 1 x 1); output:\n" + printed);
        for (MatchResult run : runs) {
            assertEquals(SAMPLES, Integer.parseInt(run.group(1)), "answered: " + run.group());
            assertEquals(SAMPLES, Integer.parseInt(run.group(2)), "replayed: " + run.group());
            assertEquals(0, Integer.parseInt(run.group(5)), "error results: " + run.group());
            assertTrue(Integer.parseInt(run.group(3)) > 0, "throughput: " + run.group());
        }
        // edge-only answers every sample at the early exit; the calibrated policy offloads some, like the plain loop
        assertEquals(100.0, Double.parseDouble(runs.get(0).group(4)), 1e-9, runs.get(0).group());
        assertEquals(100.0, Double.parseDouble(runs.get(2).group(4)), 1e-9, runs.get(2).group());
        // the CPU accounting, the per-stage breakdown and the unloaded latency are printed (figures: docs/benchmarks.md)
        assertTrue(out.toString().contains("| edge-only, 4 x 8 | "), "CPU and stage tables; output:\n" + printed);
        assertTrue(Pattern.compile("\\| calibrated, 1 x 1 \\| -?[0-9.]+ \\| -?[0-9.]+ \\| -?[0-9.]+ \\| -?[0-9.]+ \\| -?[0-9.]+ \\| -?[0-9.]+ \\| -?[0-9.]+ \\| -?[0-9.]+ \\| -?[0-9.]+ \\|")
                .matcher(out.toString()).find(), "per-stage breakdown of the unloaded run; output:\n" + printed);
        assertTrue(out.toString().contains("Unloaded latency (1 device, 1 sample in flight"), "unloaded latency; output:\n" + printed);
        Matcher plain = PLAIN_EXITS.matcher(out.toString());
        assertTrue(plain.find(), "plain loop exit count; output:\n" + printed);
        double plainExitPct = 100.0 * Integer.parseInt(plain.group(1)) / Integer.parseInt(plain.group(2));
        double calibratedExitPct = Double.parseDouble(runs.get(1).group(4));
        assertTrue(calibratedExitPct < 100.0, "the calibrated run offloads: " + runs.get(1).group());
        // same model, threshold and ONNX Runtime: at most 2 of 300 decisions may differ (entropy rounding at the threshold)
        assertEquals(plainExitPct, calibratedExitPct, 100.0 * 2 / SAMPLES + 0.05,
                "calibrated gateway exits vs plain loop: " + runs.get(1).group() + " / " + plain.group());

        List<String> rows = ROW.matcher(out.toString()).results().map(r -> r.group()).toList();
        assertEquals(4, rows.size(), "table rows; output:\n" + printed);
        for (String row : rows) {
            Matcher r = ROW.matcher(row);
            assertTrue(r.find());
            assertTrue(Integer.parseInt(r.group(2)) > 0 && Double.parseDouble(r.group(3)) > 0, "figures in " + row);
        }
    }

    private static final Pattern SWEEP_ROW = Pattern.compile(
            "\\| (\\d+) \\| (\\d+) \\([0-9.]+\\) \\| (\\d+) \\(([0-9.]+)\\) \\| ([0-9.]+) \\| (\\d+) \\(([0-9.]+)\\) \\| ([0-9.]+) / ([0-9.]+) \\|.*\\| (\\d+) \\| (\\d+) \\|");

    /**
     * {@code --max-batch 1,8}: an edge-only and a calibrated run per largest batch, every sample answered without
     * errors, one table row per batch size; at batch 1 every run of the edge partition carries one sample.
     */
    @Test
    @Timeout(400)
    void maxBatchSweepRunsEachBatchSizeAndPrintsItsRow(@TempDir Path work) {
        Path home = Path.of(System.getProperty("hybridfog.home", "../..")).toAbsolutePath().normalize();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = HybridFogCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int rc = cli.execute("bench", "--samples", Integer.toString(SAMPLES), "--devices", "4", "--window", "8",
                "--max-batch", "1,8", "--latency-samples", "0", "--stall-timeout", "30", "--home", home.toString(),
                "--work", work.toString());
        String printed = out + "\n" + err;
        assertEquals(0, rc, "hybridfog bench exit code; output:\n" + printed);
        List<MatchResult> runs = RUN.matcher(out.toString()).results().toList();
        assertEquals(5, runs.size(), "a discarded first run, then edge-only and calibrated per batch size; output:\n" + printed);
        for (MatchResult run : runs) {
            assertEquals(SAMPLES, Integer.parseInt(run.group(1)), "answered: " + run.group());
            assertEquals(0, Integer.parseInt(run.group(5)), "error results: " + run.group());
        }
        List<MatchResult> rows = SWEEP_ROW.matcher(out.toString()).results().toList();
        assertEquals(2, rows.size(), "one row per batch size; output:\n" + printed);
        assertEquals(1, Integer.parseInt(rows.get(0).group(1)));
        assertEquals(8, Integer.parseInt(rows.get(1).group(1)));
        assertEquals(1.0, Double.parseDouble(rows.get(0).group(5)), 1e-9, "batch 1: one sample per run; " + rows.get(0).group());
        for (MatchResult row : rows) {
            assertTrue(Integer.parseInt(row.group(2)) > 0 && Integer.parseInt(row.group(3)) > 0
                    && Integer.parseInt(row.group(6)) > 0, "figures in " + row.group());
            assertTrue(Double.parseDouble(row.group(5)) <= Integer.parseInt(row.group(1)), "mean batch within the largest: " + row.group());
            assertEquals(0, Integer.parseInt(row.group(10)), "errors: " + row.group());
            assertEquals(0, Integer.parseInt(row.group(11)), "lost: " + row.group());
        }
    }
}
