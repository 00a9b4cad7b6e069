package io.hybridfog.demo.plot;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A scatter plot as standalone SVG (no scripts, no external resources): a linear or log-10 x axis, a linear y axis,
 * ticks with grid lines, axis labels, and a legend below the plot. Layers (point sets and polylines) are drawn in
 * the order they are added; every point may carry a tooltip (an SVG {@code <title>}).
 */
public final class SvgScatterPlot {

    public enum Marker { CIRCLE, RING, DIAMOND }

    /** A data point; {@code tooltip} may be null. */
    public record Point(double x, double y, String tooltip) {
    }

    /** A set of markers, or a polyline through the points in order when {@code marker} is null. */
    private record Layer(String name, String colour, Marker marker, List<Point> points) {
    }

    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 44;
    private static final int BOTTOM = 56;
    private static final int LEGEND_ROW = 20;

    private final String title;
    private final String xLabel;
    private final boolean logX;
    private final String yLabel;
    private final List<Layer> layers = new ArrayList<>();

    public SvgScatterPlot(String title, String xLabel, boolean logX, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.logX = logX;
        this.yLabel = yLabel;
    }

    /** Adds markers; {@code name} appears in the legend unless null. */
    public SvgScatterPlot points(String name, String colour, Marker marker, List<Point> points) {
        layers.add(new Layer(name, colour, marker, List.copyOf(points)));
        return this;
    }

    /** Adds a polyline through the points in the given order; {@code name} appears in the legend unless null. */
    public SvgScatterPlot line(String name, String colour, List<Point> points) {
        layers.add(new Layer(name, colour, null, List.copyOf(points)));
        return this;
    }

    /**
     * @param width  of the whole picture, px
     * @param height of the plot (title, axes and plot area; the legend adds its rows below), px
     * @throws IllegalArgumentException if there is no point, or a log-x point has x &lt;= 0
     */
    public String toSvg(int width, int height) {
        Axis x = logX ? Axis.log(values(true)) : Axis.linear(values(true));
        Axis y = Axis.linear(values(false));
        int plotW = width - LEFT - RIGHT;
        int plotH = height - TOP - BOTTOM;
        List<Layer> legend = layers.stream().filter(l -> l.name() != null).toList();
        int total = height + legend.size() * LEGEND_ROW + 10;

        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, total, width, total));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">%s</text>%n",
                LEFT, esc(title)));
        // grid, ticks and tick labels
        for (double t : x.ticks()) {
            double px = LEFT + x.fraction(t) * plotW;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e3e3e3\"/>%n",
                    px, TOP, px, TOP + plotH));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    px, TOP + plotH + 18, tickLabel(t)));
        }
        for (double t : y.ticks()) {
            double py = TOP + (1 - y.fraction(t)) * plotH;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>%n",
                    LEFT, py, LEFT + plotW, py));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 8, py + 4, tickLabel(t)));
        }
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n",
                LEFT, TOP, plotW, plotH));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                LEFT + plotW / 2, TOP + plotH + 42, esc(xLabel)));
        s.append(String.format(Locale.ROOT, "<text transform=\"translate(22 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>%n",
                TOP + plotH / 2, esc(yLabel)));
        // data
        for (Layer l : layers) {
            if (l.marker() == null) {
                StringBuilder pts = new StringBuilder();
                for (Point p : l.points()) {
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + x.fraction(p.x()) * plotW,
                            TOP + (1 - y.fraction(p.y())) * plotH));
                }
                s.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>%n",
                        pts.toString().trim(), l.colour()));
            } else {
                for (Point p : l.points()) {
                    s.append(marker(l.marker(), l.colour(), LEFT + x.fraction(p.x()) * plotW,
                            TOP + (1 - y.fraction(p.y())) * plotH, p.tooltip()));
                }
            }
        }
        // legend, one row per named layer
        for (int i = 0; i < legend.size(); i++) {
            Layer l = legend.get(i);
            double cy = height + i * LEGEND_ROW;
            if (l.marker() == null) {
                s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>%n",
                        LEFT, cy, LEFT + 20, cy, l.colour()));
            } else {
                s.append(marker(l.marker(), l.colour(), LEFT + 10, cy, null));
            }
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\">%s</text>%n", LEFT + 28, cy + 4, esc(l.name())));
        }
        return s.append("</svg>\n").toString();
    }

    private static String marker(Marker m, String colour, double cx, double cy, String tooltip) {
        String tip = tooltip == null ? "" : "<title>" + esc(tooltip) + "</title>";
        return switch (m) {
            case CIRCLE -> String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" fill-opacity=\"0.8\">%s</circle>%n",
                    cx, cy, colour, tip);
            case RING -> String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\">%s</circle>%n",
                    cx, cy, colour, tip);
            case DIAMOND -> String.format(Locale.ROOT, "<path d=\"M%.1f %.1f l7 7 l-7 7 l-7 -7 z\" fill=\"%s\" stroke=\"#000\" stroke-width=\"1.2\">%s</path>%n",
                    cx, cy - 7, colour, tip);
        };
    }

    private double[] values(boolean xs) {
        double[] v = layers.stream().flatMap(l -> l.points().stream()).mapToDouble(p -> xs ? p.x() : p.y()).toArray();
        if (v.length == 0) {
            throw new IllegalArgumentException("nothing to plot");
        }
        return v;
    }

    /** Three significant digits, no trailing zeros, no exponent: 0.05, 1.5, 20, 130. */
    public static String tickLabel(double v) {
        return v == 0 ? "0" : new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    public static String esc(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Data range of one axis, padded, and its ticks; log axes work in log10 space. */
    record Axis(double lo, double hi, boolean log, double[] ticks) {

        /** Position of a data value along the axis, 0 at {@code lo}, 1 at {@code hi}. */
        double fraction(double v) {
            return log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
        }

        static Axis linear(double[] values) {
            double min = min(values);
            double max = max(values);
            double pad = max > min ? 0.05 * (max - min) : Math.max(1, Math.abs(min) * 0.05);
            double lo = min - pad;
            double hi = max + pad;
            double step = niceStep((hi - lo) / 8); // 5 to 10 ticks
            List<Double> ticks = new ArrayList<>();
            for (double t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) {
                ticks.add(Math.abs(t) < 1e-9 * step ? 0 : t);
            }
            return new Axis(lo, hi, false, ticks.stream().mapToDouble(Double::doubleValue).toArray());
        }

        /** @throws IllegalArgumentException if a value is &lt;= 0 */
        static Axis log(double[] values) {
            double min = min(values);
            double max = max(values);
            if (min <= 0) {
                throw new IllegalArgumentException("a log axis needs values > 0, got " + min);
            }
            double factor = max > min ? Math.pow(max / min, 0.05) : 2; // 5 % of the range on each side
            double lo = min / factor;
            double hi = max * factor;
            // decades; then 1-2-5 steps; then every integer multiple, until there are at least 3 ticks
            for (int[] mantissas : new int[][] {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
                List<Double> ticks = new ArrayList<>();
                for (int e = (int) Math.floor(Math.log10(lo)); e <= (int) Math.ceil(Math.log10(hi)); e++) {
                    for (int m : mantissas) {
                        double t = m * Math.pow(10, e);
                        if (t >= lo && t <= hi) {
                            ticks.add(t);
                        }
                    }
                }
                if (ticks.size() >= 3 || mantissas.length == 9) {
                    return new Axis(lo, hi, true, ticks.stream().mapToDouble(Double::doubleValue).toArray());
                }
            }
            throw new AssertionError("unreachable");
        }

        /** 1, 2 or 5 times a power of ten, the smallest at least {@code raw}. */
        static double niceStep(double raw) {
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            for (double m : new double[] {1, 2, 5, 10}) {
                if (m * p >= raw) {
                    return m * p;
                }
            }
            return 10 * p;
        }

        private static double min(double[] v) {
            double m = Double.POSITIVE_INFINITY;
            for (double d : v) {
                m = Math.min(m, d);
            }
            return m;
        }

        private static double max(double[] v) {
            double m = Double.NEGATIVE_INFINITY;
            for (double d : v) {
                m = Math.max(m, d);
            }
            return m;
        }
    }
}
