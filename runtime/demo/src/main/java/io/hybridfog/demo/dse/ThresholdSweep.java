package io.hybridfog.demo.dse;

import io.hybridfog.api.ExitDecision;
import io.hybridfog.api.ExitPolicy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Accuracy, edge exits, energy and offload bytes of one variant at many exit thresholds, from network outputs
 * computed once ({@link VariantOutputs}): each sample's decision is the exit policy's, exactly as the gateway
 * decides; an exited sample is answered with the exit's class, an offloaded one with the cloud's.
 */
public final class ThresholdSweep {

    private ThresholdSweep() {
    }

    /**
     * @param thresholds in the policy's unit, evaluated in the given order
     * @param calibrated the model's calibrated threshold (marks the point with exactly this threshold), NaN for none
     */
    static List<SweepPoint> run(VariantOutputs outputs, ExitPolicy policy, double[] thresholds, double calibrated,
                                VariantCosts costs) {
        int n = outputs.size();
        if (n == 0) {
            throw new IllegalArgumentException("no samples to sweep");
        }
        List<SweepPoint> points = new ArrayList<>(thresholds.length);
        for (double t : thresholds) {
            int correct = 0;
            int exits = 0;
            for (int i = 0; i < n; i++) {
                ExitDecision decision = policy.decide(outputs.exitLogits()[i], t);
                int predicted = decision.exitAtEdge() ? decision.predictedClass() : outputs.cloudPredictions()[i];
                exits += decision.exitAtEdge() ? 1 : 0;
                correct += predicted == outputs.labels()[i] ? 1 : 0;
            }
            double energyPj = (exits * costs.edgeExitPj() + (double) (n - exits) * costs.offloadedPj()) / n;
            points.add(new SweepPoint(t, t == calibrated, n, correct, exits, energyPj, costs.referencePj(), costs.offloadBytes()));
        }
        return points;
    }

    /**
     * The default sweep: {@code steps} evenly spaced thresholds over the policy's meaningful range plus the
     * calibrated one (if not NaN), ascending, without duplicates. Ranges: entropy [0, ln C] nats; normalized-entropy
     * and margin [0, 1]; max-softmax [1/C, 1]; edge-only and cloud-only ignore the threshold: {0}.
     *
     * @param steps &gt;= 2
     * @throws IllegalArgumentException for a policy without a known range (pass thresholds explicitly)
     */
    static double[] defaultThresholds(String policy, int classes, double calibrated, int steps) {
        if (steps < 2) {
            throw new IllegalArgumentException("a sweep needs at least 2 steps, got " + steps);
        }
        double[] range = switch (policy) {
            case "entropy" -> new double[] {0, Math.log(classes)};
            case "normalized-entropy", "margin" -> new double[] {0, 1};
            case "max-softmax" -> new double[] {1.0 / classes, 1};
            case "edge-only", "cloud-only" -> null;
            default -> throw new IllegalArgumentException("no default threshold range for exit policy '" + policy
                    + "': give --thresholds");
        };
        TreeSet<Double> ts = new TreeSet<>();
        if (range == null) {
            ts.add(0.0);
        } else {
            for (int i = 0; i < steps; i++) {
                // the last step is exactly the range's end, not lo + (steps-1) * step with rounding
                ts.add(i == steps - 1 ? range[1] : range[0] + (range[1] - range[0]) * i / (steps - 1));
            }
        }
        if (!Double.isNaN(calibrated)) {
            ts.add(calibrated);
        }
        return ts.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Explicit thresholds plus the calibrated one (if not NaN), ascending, without duplicates. */
    static double[] withCalibrated(double[] thresholds, double calibrated) {
        TreeSet<Double> ts = new TreeSet<>();
        Arrays.stream(thresholds).forEach(ts::add);
        if (!Double.isNaN(calibrated)) {
            ts.add(calibrated);
        }
        return ts.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
