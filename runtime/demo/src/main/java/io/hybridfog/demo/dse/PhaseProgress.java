package io.hybridfog.demo.dse;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of one phase of a long loop: a line at most every 2 s while it runs, and one when it ends with its
 * duration and rate. Not thread-safe.
 */
final class PhaseProgress {
    private static final long INTERVAL_NS = 2_000_000_000L;

    private final PrintStream out;
    private final String phase;
    private final int total;
    private final String unit;
    private final long start = System.nanoTime();
    private long lastPrint = start;

    /**
     * @param phase name printed first, e.g. {@code edge}
     * @param total items to process
     * @param unit  what an item is, e.g. {@code samples}
     */
    PhaseProgress(PrintStream out, String phase, int total, String unit) {
        this.out = out;
        this.phase = phase;
        this.total = total;
        this.unit = unit;
    }

    void update(int done) {
        long now = System.nanoTime();
        if (now - lastPrint >= INTERVAL_NS) {
            lastPrint = now;
            out.printf(Locale.ROOT, "    %-8s %,d / %,d %s ...%n", phase, done, total, unit);
        }
    }

    /** Prints the final line; {@code note} (may be empty) is appended. */
    void done(String note) {
        double s = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "    %-8s %,d %s in %.1f s (%,.0f %s/s)%s%n", phase, total, unit, s, total / Math.max(s, 1e-9),
                unit, note.isEmpty() ? "" : "; " + note);
    }
}
