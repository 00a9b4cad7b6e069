package io.hybridfog.demo.dse;

import io.hybridfog.demo.plot.SvgScatterPlot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The results of a design space exploration and their three renderings: {@code dse.csv} (every variant x threshold),
 * {@code dse.md} (Pareto-optimal and calibrated points) and {@code pareto.html} (accuracy vs energy per sample).
 *
 * @param title   what was explored, e.g. {@code Fashion-MNIST test, 10,000 samples}
 * @param notes   lines printed under the title (energy model, policy, command)
 * @param results one entry per variant, in the order they ran
 */
record DseReport(String title, List<String> notes, List<VariantResult> results) {

    /** The sweep of one variant. */
    record VariantResult(Variant variant, VariantCosts costs, List<SweepPoint> points) {
    }

    /** One (variant, threshold) point. */
    record DsePoint(Variant variant, SweepPoint point) {
    }

    /** Tableau 10: distinguishable colours for up to 10 variants (then they repeat). */
    static final List<String> COLOURS = List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac");

    List<DsePoint> all() {
        List<DsePoint> all = new ArrayList<>();
        results.forEach(r -> r.points().forEach(p -> all.add(new DsePoint(r.variant(), p))));
        return all;
    }

    /** The Pareto front over all variants and thresholds: less energy per sample, more accuracy; by ascending energy. */
    List<DsePoint> pareto() {
        return ParetoFront.of(all(), p -> p.point().energyPerSamplePj(), p -> p.point().accuracy());
    }

    /** The calibrated point of each variant that has one. */
    List<DsePoint> calibrated() {
        return all().stream().filter(p -> p.point().calibrated()).toList();
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("dse.csv"), csv());
        Files.writeString(dir.resolve("dse.md"), markdown());
        Files.writeString(dir.resolve("pareto.html"), html());
    }

    // ---------------------------------------------------------------- CSV

    static final String CSV_HEADER = "model,version,bundle,cut,edge_bits,edge_bits_source,policy,threshold,threshold_unit,"
            + "calibrated,pareto,samples,correct,accuracy,edge_exits,edge_exit_rate,energy_per_sample_uj,"
            + "edge_exit_energy_uj,offloaded_energy_uj,reference_energy_uj,reduction_vs_fp32,"
            + "offload_bytes_per_offloaded_sample,offload_bytes_per_sample";

    /**
     * One row per variant x threshold; energies in µJ, bytes in bytes, rates as fractions. Thresholds are written
     * exactly (Java's shortest round-trip form), derived values with 10 significant digits.
     */
    String csv() {
        Set<DsePoint> front = Set.copyOf(pareto());
        StringBuilder s = new StringBuilder(CSV_HEADER).append('\n');
        for (VariantResult r : results) {
            Variant v = r.variant();
            VariantCosts c = r.costs();
            for (SweepPoint p : r.points()) {
                StringJoiner row = new StringJoiner(",");
                row.add(csvField(v.model())).add(csvField(v.version())).add(csvField(v.bundle())).add(csvField(v.cut()))
                        .add(Integer.toString(v.edgeBits())).add(v.edgeBitsSource()).add(csvField(v.policy()))
                        .add(Double.toString(p.threshold())).add(csvField(v.unit())) // exact: it selects the point
                        .add(Boolean.toString(p.calibrated())).add(Boolean.toString(front.contains(new DsePoint(v, p))))
                        .add(Integer.toString(p.samples())).add(Integer.toString(p.correct())).add(num(p.accuracy()))
                        .add(Integer.toString(p.edgeExits())).add(num(p.edgeExitRate()))
                        .add(num(p.energyPerSamplePj() / 1e6)).add(num(c.edgeExitPj() / 1e6)).add(num(c.offloadedPj() / 1e6))
                        .add(num(p.referencePj() / 1e6)).add(num(p.reduction()))
                        .add(Integer.toString(p.offloadBytes())).add(num(p.offloadBytesPerSample()));
                s.append(row).append('\n');
            }
        }
        return s.toString();
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.10g", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
    }

    static String csvField(String v) {
        return v.contains(",") || v.contains("\"") || v.contains("\n") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    // ---------------------------------------------------------------- Markdown

    /** The Pareto-optimal points and each variant's calibrated point, by ascending energy. */
    String markdownTable() {
        List<DsePoint> front = pareto();
        List<DsePoint> calibrated = calibrated();
        Set<DsePoint> rows = new LinkedHashSet<>(front);
        rows.addAll(calibrated);
        List<DsePoint> sorted = new ArrayList<>(rows);
        sorted.sort((a, b) -> Double.compare(a.point().energyPerSamplePj(), b.point().energyPerSamplePj()));
        StringBuilder s = new StringBuilder();
        s.append("| variant | cut | edge bits | threshold | accuracy | exited at the edge | energy per sample | vs full precision "
                + "| offload bytes per offloaded sample | offload bytes per sample | point |\n");
        s.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (DsePoint dp : sorted) {
            Variant v = dp.variant();
            SweepPoint p = dp.point();
            String kind = (front.contains(dp) ? "Pareto" : "") + (front.contains(dp) && p.calibrated() ? ", " : "")
                    + (p.calibrated() ? "**calibrated**" : "");
            s.append(String.format(Locale.ROOT, "| %s %s | %s | %s | %.4f %s | %.2f %% | %.2f %% | %.2f µJ | %.2fx | %d | %.0f | %s |%n",
                    v.model(), v.version(), v.cut().isEmpty() ? "–" : v.cut(), Variant.bitsLabel(v.edgeBits()),
                    p.threshold(), v.unit(), 100 * p.accuracy(), 100 * p.edgeExitRate(), p.energyPerSamplePj() / 1e6,
                    p.reduction(), p.offloadBytes(), p.offloadBytesPerSample(), kind));
        }
        return s.toString();
    }

    String markdown() {
        StringBuilder s = new StringBuilder("# Design space exploration: ").append(title).append("\n\n");
        notes.forEach(n -> s.append(n).append("  \n"));
        s.append("\nPareto-optimal points over all variants and thresholds (less energy per sample, more accuracy) and the "
                + "calibrated point of each variant. Every point: `dse.csv`; plot: `pareto.html`.\n\n");
        return s.append(markdownTable()).toString();
    }

    // ---------------------------------------------------------------- HTML

    /** Self-contained page: the accuracy vs energy plot (inline SVG) and the Markdown table's rows. */
    String html() {
        SvgScatterPlot plot = new SvgScatterPlot("Accuracy vs computational energy per sample (" + title + ")",
                "computational energy per sample (µJ, log scale)", true, "accuracy (%)");
        for (int i = 0; i < results.size(); i++) {
            VariantResult r = results.get(i);
            plot.points(r.variant().label(), COLOURS.get(i % COLOURS.size()), SvgScatterPlot.Marker.CIRCLE,
                    r.points().stream().map(p -> plotPoint(r.variant(), p)).toList());
        }
        List<SvgScatterPlot.Point> front = pareto().stream().map(p -> plotPoint(p.variant(), p.point())).toList();
        plot.line("Pareto front (all variants)", "#000000", front);
        plot.points(null, "#000000", SvgScatterPlot.Marker.RING, front);
        plot.points("calibrated threshold (model metadata), in the variant's colour", "#ffffff",
                SvgScatterPlot.Marker.DIAMOND, List.of()); // legend entry only
        for (int i = 0; i < results.size(); i++) {
            VariantResult r = results.get(i);
            plot.points(null, COLOURS.get(i % COLOURS.size()), SvgScatterPlot.Marker.DIAMOND, r.points().stream()
                    .filter(SweepPoint::calibrated).map(p -> plotPoint(r.variant(), p)).toList());
        }
        StringBuilder s = new StringBuilder();
        s.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>HybridFog DSE: ")
                .append(SvgScatterPlot.esc(title)).append("</title>\n<style>\n")
                .append("body { font-family: sans-serif; margin: 24px; color: #222; }\n")
                .append("table { border-collapse: collapse; font-size: 13px; }\n")
                .append("th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }\n")
                .append("th:first-child, td:first-child { text-align: left; }\n")
                .append("</style>\n</head>\n<body>\n<h1>Design space exploration: ").append(SvgScatterPlot.esc(title))
                .append("</h1>\n");
        notes.forEach(n -> s.append("<p>").append(SvgScatterPlot.esc(n.replace("`", ""))).append("</p>\n"));
        s.append("<p>Each dot is one (variant, exit threshold); hover for its numbers. Ringed and joined by the black line: "
                + "the Pareto front over all variants. Diamonds: the calibrated threshold of each variant.</p>\n");
        s.append(plot.toSvg(960, 560));
        s.append("<h2>Pareto-optimal and calibrated points</h2>\n").append(htmlTable()).append("</body>\n</html>\n");
        return s.toString();
    }

    private static SvgScatterPlot.Point plotPoint(Variant v, SweepPoint p) {
        return new SvgScatterPlot.Point(p.energyPerSamplePj() / 1e6, 100 * p.accuracy(), String.format(Locale.ROOT,
                "%s%nthreshold %.4f %s%naccuracy %.2f %%%nexited at the edge %.2f %%%nenergy %.2f µJ per sample (%.2fx less than fp32)",
                v.label(), p.threshold(), v.unit(), 100 * p.accuracy(), 100 * p.edgeExitRate(), p.energyPerSamplePj() / 1e6,
                p.reduction()));
    }

    /** The Markdown table as an HTML table (cells split on '|'; no cell contains one). */
    private String htmlTable() {
        StringBuilder s = new StringBuilder("<table>\n");
        String[] lines = markdownTable().split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (i == 1) {
                continue; // the Markdown alignment row
            }
            String[] cells = lines[i].substring(2, lines[i].length() - 2).split(" \\| ", -1);
            String tag = i == 0 ? "th" : "td";
            s.append("<tr>");
            for (String c : cells) {
                s.append('<').append(tag).append('>').append(SvgScatterPlot.esc(c.replace("**", ""))).append("</").append(tag).append('>');
            }
            s.append("</tr>\n");
        }
        return s.append("</table>\n").toString();
    }
}
