package io.hybridfog.demo.dse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DseReportTest {

    private static final Variant BINARY = new Variant("toy-hybrid", "1.0.0", "toy-b1.jar", "s2b3", 1, "metadata",
            "entropy", "nats", 0.5);
    private static final Variant FOUR_BIT = new Variant("toy-hybrid", "2.0.0", "toy-b4.jar", "", 4, "macs",
            "entropy", "nats", 1.0);

    /** 10 samples each; energies in pJ. */
    private static DseReport report() {
        return new DseReport("Toy test, 10 samples", List.of("Command: `hybridfog dse --models toy-b1.jar toy-b4.jar`"), List.of(
                new DseReport.VariantResult(BINARY, new VariantCosts(1e6, 11e6, 20e6, 833), List.of(
                        new SweepPoint(0.0, false, 10, 9, 0, 11e6, 20e6, 833),
                        new SweepPoint(0.5, true, 10, 9, 5, 6e6, 20e6, 833),       // Pareto and calibrated
                        new SweepPoint(1.0, false, 10, 7, 8, 3e6, 20e6, 833))),     // Pareto
                new DseReport.VariantResult(FOUR_BIT, new VariantCosts(2e6, 12e6, 20e6, 25_000), List.of(
                        new SweepPoint(0.0, false, 10, 10, 0, 12e6, 20e6, 25_000),  // Pareto (most accurate)
                        new SweepPoint(1.0, true, 10, 8, 6, 6e6, 20e6, 25_000)))));  // calibrated, dominated
    }

    @Test
    void paretoAndCalibratedPointsSpanVariants() {
        DseReport r = report();
        assertEquals(List.of(1.0, 0.5, 0.0), r.pareto().stream().map(p -> p.point().threshold()).toList());
        assertEquals(List.of("1.0.0", "1.0.0", "2.0.0"), r.pareto().stream().map(p -> p.variant().version()).toList());
        assertEquals(2, r.calibrated().size());
    }

    @Test
    void writesCsvWithOneRowPerVariantAndThreshold(@TempDir Path dir) throws IOException {
        report().write(dir);
        List<String> lines = Files.readAllLines(dir.resolve("dse.csv"));
        assertEquals(DseReport.CSV_HEADER, lines.get(0));
        assertEquals(1 + 5, lines.size());
        List<String> header = List.of(lines.get(0).split(","));
        String[] calibrated = lines.get(2).split(",");
        assertEquals("toy-hybrid", calibrated[header.indexOf("model")]);
        assertEquals("s2b3", calibrated[header.indexOf("cut")]);
        assertEquals("1", calibrated[header.indexOf("edge_bits")]);
        assertEquals("0.5", calibrated[header.indexOf("threshold")]);
        assertEquals("true", calibrated[header.indexOf("calibrated")]);
        assertEquals("true", calibrated[header.indexOf("pareto")]);
        assertEquals("0.9", calibrated[header.indexOf("accuracy")]);
        assertEquals("0.5", calibrated[header.indexOf("edge_exit_rate")]);
        assertEquals("6", calibrated[header.indexOf("energy_per_sample_uj")]);
        assertEquals("3.333333333", calibrated[header.indexOf("reduction_vs_fp32")]);
        assertEquals("833", calibrated[header.indexOf("offload_bytes_per_offloaded_sample")]);
        assertEquals("416.5", calibrated[header.indexOf("offload_bytes_per_sample")]);
        String[] dominated = lines.get(5).split(",");
        assertEquals("false", dominated[header.indexOf("pareto")]);
        assertEquals("", dominated[header.indexOf("cut")]);
        assertEquals("macs", dominated[header.indexOf("edge_bits_source")]);
    }

    @Test
    void markdownListsParetoAndCalibratedPointsByEnergy(@TempDir Path dir) throws IOException {
        report().write(dir);
        String md = Files.readString(dir.resolve("dse.md"));
        List<String> rows = md.lines().filter(l -> l.startsWith("| toy-hybrid")).toList();
        assertEquals(4, rows.size()); // 3 Pareto + the dominated calibrated point of 2.0.0
        assertTrue(rows.get(0).contains("| 1.0000 nats | 70.00 % | 80.00 % | 3.00 µJ | 6.67x |"), rows.get(0));
        assertTrue(rows.get(1).contains("Pareto, **calibrated**"), rows.get(1));
        assertTrue(rows.get(2).contains("toy-hybrid 2.0.0 | – | 4-bit") && rows.get(2).endsWith("| **calibrated** |"), rows.get(2));
        assertTrue(rows.get(3).contains("| 100.00 % | 0.00 % | 12.00 µJ |") && rows.get(3).endsWith("| Pareto |"), rows.get(3));
    }

    @Test
    void htmlIsSelfContainedWithAnSvgPlot(@TempDir Path dir) throws IOException {
        report().write(dir);
        String html = Files.readString(dir.resolve("pareto.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assertTrue(html.contains("computational energy per sample (µJ, log scale)"));
        assertTrue(html.contains("accuracy (%)"));
        assertTrue(html.contains("toy-hybrid 1.0.0, cut s2b3, 1-bit edge"));
        assertTrue(html.contains("Pareto front"));
        assertTrue(html.contains("<polyline"));
        assertEquals(5 + 2, count(html, "<circle cx") - count(html, "r=\"6\""), "one dot per point, one per variant in the legend");
        assertEquals(3, count(html, "r=\"6\""), "one ring per Pareto point");
        assertEquals(2 + 1, count(html, "<path d=\"M"), "a diamond per calibrated point, plus the legend's");
        for (String external : List.of("<script", "<link", "src=", "href=", "@import", "url(")) {
            assertFalse(html.contains(external), "no external resources: " + external);
        }
        assertEquals(1, count(html, "http"), "only the SVG namespace");
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
