package io.hybridfog.demo.runtime;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Aggregates of a replay: accuracy, edge-exit rate, energy, latency percentiles, throughput.
 * Accuracy and exit rate are over all answered samples (an error result counts as wrong and not exited).
 */
public record RunSummary(int samples, int answered, int lost, int duplicates, int errors, Map<String, Integer> errorsByCode,
                  double accuracy, double edgeExitRate, double meanEnergyPj, double meanReferencePj,
                  double meanOffloadBytesPerOffload, double[] edgeLatencyP50P99, double[] cloudLatencyP50P99,
                  double throughputPerS, double wallS) {

    public static RunSummary of(int sent, List<SampleOutcome> outcomes, int duplicates, double wallS) {
        int correct = 0, edge = 0, errors = 0, offloads = 0;
        double energy = 0, reference = 0, offloadBytes = 0;
        Map<String, Integer> byCode = new TreeMap<>();
        double[] edgeLat = new double[outcomes.size()];
        double[] cloudLat = new double[outcomes.size()];
        int ne = 0, nc = 0;
        for (SampleOutcome o : outcomes) {
            if (o.error() != null) {
                errors++;
                byCode.merge(o.error(), 1, Integer::sum);
                continue;
            }
            if (o.predicted() == o.label()) {
                correct++;
            }
            energy += o.energyPj();
            reference += o.referencePj();
            if ("EDGE".equals(o.exit())) {
                edge++;
                edgeLat[ne++] = o.latencyMs();
            } else {
                offloads++;
                offloadBytes += o.offloadBytes();
                cloudLat[nc++] = o.latencyMs();
            }
        }
        int ok = outcomes.size() - errors;
        int n = Math.max(outcomes.size(), 1);
        return new RunSummary(sent, outcomes.size(), sent - outcomes.size(), duplicates, errors, byCode,
                (double) correct / n, (double) edge / n, ok == 0 ? 0 : energy / ok, ok == 0 ? 0 : reference / ok,
                offloads == 0 ? 0 : offloadBytes / offloads,
                percentiles(Arrays.copyOf(edgeLat, ne)), percentiles(Arrays.copyOf(cloudLat, nc)),
                outcomes.size() / wallS, wallS);
    }

    /** Nearest-rank p50 and p99; NaN when empty. */
    static double[] percentiles(double[] values) {
        if (values.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return new double[] {v[rank(0.50, v.length)], v[rank(0.99, v.length)]};
    }

    private static int rank(double p, int n) {
        return Math.min(n - 1, Math.max(0, (int) Math.ceil(p * n) - 1));
    }

    double energyReduction() {
        return meanReferencePj / meanEnergyPj;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", samples);
        m.put("answered", answered);
        m.put("lost", lost);
        m.put("duplicates", duplicates);
        m.put("errors", errors);
        m.put("errors_by_code", errorsByCode);
        m.put("accuracy", accuracy);
        m.put("edge_exit_rate", edgeExitRate);
        m.put("energy_per_sample_uj", meanEnergyPj / 1e6);
        m.put("reference_energy_per_sample_uj", meanReferencePj / 1e6);
        m.put("energy_reduction_vs_fp32", energyReduction());
        m.put("offload_bytes_per_offloaded_sample", meanOffloadBytesPerOffload);
        m.put("latency_ms_edge_p50", edgeLatencyP50P99[0]);
        m.put("latency_ms_edge_p99", edgeLatencyP50P99[1]);
        m.put("latency_ms_offloaded_p50", cloudLatencyP50P99[0]);
        m.put("latency_ms_offloaded_p99", cloudLatencyP50P99[1]);
        m.put("throughput_samples_per_s", throughputPerS);
        m.put("wall_s", wallS);
        return m;
    }

    public String table() {
        StringBuilder sb = new StringBuilder();
        row(sb, "samples sent / answered", samples + " / " + answered + (lost > 0 ? "  (" + lost + " LOST)" : ""));
        row(sb, "duplicates", Integer.toString(duplicates));
        row(sb, "error results", errors + (errorsByCode.isEmpty() ? "" : " " + errorsByCode));
        row(sb, "accuracy", pct(accuracy));
        row(sb, "exited at the edge", pct(edgeExitRate));
        row(sb, "energy per sample", String.format("%.2f uJ (full precision: %.2f uJ) -> %.2fx less",
                meanEnergyPj / 1e6, meanReferencePj / 1e6, energyReduction()));
        row(sb, "offload payload", String.format("%.0f bytes per offloaded sample", meanOffloadBytesPerOffload));
        row(sb, "latency edge exit p50/p99", String.format("%.2f / %.2f ms", edgeLatencyP50P99[0], edgeLatencyP50P99[1]));
        row(sb, "latency offloaded p50/p99", String.format("%.2f / %.2f ms", cloudLatencyP50P99[0], cloudLatencyP50P99[1]));
        row(sb, "throughput", String.format("%.0f samples/s over %.1f s", throughputPerS, wallS));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, String value) {
        sb.append(String.format("  %-28s %s%n", name, value));
    }

    public static String pct(double fraction) {
        return String.format("%.2f %%", 100 * fraction);
    }
}
