package io.hybridfog.demo.dse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The Pareto-optimal points for "lower cost, higher benefit" (here: energy per sample vs accuracy). */
final class ParetoFront {

    private ParetoFront() {
    }

    /**
     * The points no other point dominates (another point with cost &lt;= and benefit &gt;=, better in at least one).
     * Of several points with the same cost and benefit only the first in {@code points}' order is kept.
     *
     * @return the front, by ascending cost (and so ascending benefit)
     */
    static <T> List<T> of(List<T> points, ToDoubleFunction<T> cost, ToDoubleFunction<T> benefit) {
        List<T> sorted = new ArrayList<>(points);
        // stable: equal points keep their input order
        sorted.sort(Comparator.comparingDouble(cost).thenComparing(Comparator.comparingDouble(benefit).reversed()));
        List<T> front = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (T p : sorted) {
            // every point before p costs no more, so p is optimal only if it beats all of their benefits
            if (benefit.applyAsDouble(p) > best) {
                front.add(p);
                best = benefit.applyAsDouble(p);
            }
        }
        return front;
    }
}
