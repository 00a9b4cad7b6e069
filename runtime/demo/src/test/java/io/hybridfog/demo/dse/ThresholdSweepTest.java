package io.hybridfog.demo.dse;

import io.hybridfog.api.ExitPolicySettings;
import io.hybridfog.api.FeatureSpec;
import io.hybridfog.api.InputSpec;
import io.hybridfog.api.MacCounts;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.energy.MacEnergyModel;
import io.hybridfog.policy.EntropyPolicy;
import io.hybridfog.policy.MaxSoftmaxPolicy;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThresholdSweepTest {

    /*
     * Four samples, three classes. Exit softmax entropies (nats), hand-computed:
     *   s0 [10, 0, 0]  H = 0.0009, exit says 0, label 0, cloud says 0
     *   s1 [ 0, 0, 0]  H = ln 3 = 1.0986, exit says 0 (lowest index on ties), label 1, cloud says 1
     *   s2 [ 2, 0, 0]  H = 0.6657, exit says 0, label 2, cloud says 2
     *   s3 [ 0, 5, 0]  H = 0.0799, exit says 1, label 1, cloud says 0 (the cloud is wrong here)
     */
    private static final VariantOutputs OUTPUTS = new VariantOutputs(new int[] {0, 1, 2, 1},
            new float[][] {{10, 0, 0}, {0, 0, 0}, {2, 0, 0}, {0, 5, 0}}, new int[] {0, 1, 2, 0});

    /** edge 10 pJ, edge + cloud 110 pJ, full precision 200 pJ, 100 bytes per offload */
    private static final VariantCosts COSTS = new VariantCosts(10, 110, 200, 100);

    @Test
    void everyThresholdGivesTheHandComputedAccuracyExitsAndEnergy() {
        List<SweepPoint> points = ThresholdSweep.run(OUTPUTS, new EntropyPolicy(), new double[] {0, 0.5, 1.0, 2.0}, 0.5, COSTS);
        assertEquals(4, points.size());

        // t = 0: nothing exits (entropy < 0 never holds); the cloud gets s0, s1, s2 right
        assertPoint(points.get(0), 0, 3, 0, 110, 100);
        // t = 0.5: s0 and s3 exit (both right), s1 and s2 go to the cloud (both right)
        assertPoint(points.get(1), 0.5, 4, 2, (2 * 10 + 2 * 110) / 4.0, 50);
        // t = 1.0: s2 exits too and the exit gets it wrong
        assertPoint(points.get(2), 1.0, 3, 3, (3 * 10 + 110) / 4.0, 25);
        // t = 2.0 > ln 3: everything exits; s1 and s2 wrong
        assertPoint(points.get(3), 2.0, 2, 4, 10, 0);

        assertTrue(points.get(1).calibrated());
        assertFalse(points.get(0).calibrated() || points.get(2).calibrated() || points.get(3).calibrated());
        assertEquals(1.0, points.get(1).accuracy());
        assertEquals(0.5, points.get(1).edgeExitRate());
        assertEquals(200 / 60.0, points.get(1).reduction(), 1e-12);
        assertEquals(100, points.get(1).offloadBytes());
    }

    private static void assertPoint(SweepPoint p, double threshold, int correct, int exits, double energyPj, double bytesPerSample) {
        assertEquals(threshold, p.threshold());
        assertEquals(4, p.samples());
        assertEquals(correct, p.correct(), "correct at threshold " + threshold);
        assertEquals(exits, p.edgeExits(), "edge exits at threshold " + threshold);
        assertEquals(energyPj, p.energyPerSamplePj(), 1e-9, "pJ per sample at threshold " + threshold);
        assertEquals(200, p.referencePj());
        assertEquals(bytesPerSample, p.offloadBytesPerSample(), 1e-9, "bytes per sample at threshold " + threshold);
    }

    @Test
    void otherPoliciesDecideWithTheirOwnRule() {
        // max-softmax >= 0.9: s0 (p = 0.9999) and s3 (p = 0.9867) exit, s2 (p = 0.787) does not
        List<SweepPoint> points = ThresholdSweep.run(OUTPUTS, new MaxSoftmaxPolicy(), new double[] {0.9}, Double.NaN, COSTS);
        assertEquals(2, points.get(0).edgeExits());
        assertEquals(4, points.get(0).correct());
        assertFalse(points.get(0).calibrated());
    }

    @Test
    void costsComeFromTheEnergyModelAndTheWireFormat() {
        ModelDescriptor d = descriptor(true);
        VariantCosts c = VariantCosts.of(d, new MacEnergyModel(Map.of()));
        // edge: 1000 binary MACs x 0.103125 pJ + 100 fp32 MACs x 4.6 pJ; cloud: 1000 x 4.6; reference 2000 x 4.6
        assertEquals(563.125, c.edgeExitPj(), 1e-9);
        assertEquals(563.125 + 4600, c.offloadedPj(), 1e-9);
        assertEquals(9200, c.referencePj(), 1e-9);
        // HFT: 6 header + 4 x rank 4 + (1 + "m") + (1 + "1") + 16 bits packed in 2 bytes
        assertEquals(28, c.offloadBytes());
        // real-valued features go as float32: 16 x 4 bytes
        assertEquals(26 + 64, VariantCosts.of(descriptor(false), new MacEnergyModel(Map.of())).offloadBytes());
    }

    @Test
    void edgeBitsFromMacsIsTheSmallestUsedBitWidth() {
        assertEquals(1, Variant.edgeBitsFromMacs(descriptor(true).macs()));
        assertEquals(2, Variant.edgeBitsFromMacs(new MacCounts(Map.of(32, 5L, 2, 7L, 4, 0L), 0, Map.of(), 0)));
        assertEquals(4, Variant.edgeBitsFromMacs(new MacCounts(Map.of(32, 5L, 4, 7L, 1, 0L), 0, Map.of(), 0)));
        assertEquals(32, Variant.edgeBitsFromMacs(new MacCounts(Map.of(32, 5L), 0, Map.of(), 0)));
    }

    @Test
    void defaultSweepSpansThePolicyRangeAndAddsTheCalibratedThreshold() {
        double[] ts = ThresholdSweep.defaultThresholds("entropy", 10, 0.5222, 41);
        assertEquals(42, ts.length);
        assertEquals(0, ts[0]);
        assertEquals(Math.log(10), ts[41]);
        assertEquals(Math.log(10) / 40, ts[1], 1e-15);
        assertTrue(Arrays.stream(ts).anyMatch(t -> t == 0.5222));
        for (int i = 1; i < ts.length; i++) {
            assertTrue(ts[i] > ts[i - 1], "ascending");
        }
        // the calibrated threshold already on the grid is not added twice
        assertEquals(41, ThresholdSweep.defaultThresholds("entropy", 10, Math.log(10), 41).length);
        assertEquals(0.1, ThresholdSweep.defaultThresholds("max-softmax", 10, Double.NaN, 3)[0], 1e-15);
        assertArrayEquals(new double[] {0}, ThresholdSweep.defaultThresholds("edge-only", 10, Double.NaN, 41));
        assertThrows(IllegalArgumentException.class, () -> ThresholdSweep.defaultThresholds("custom", 10, Double.NaN, 41));
        assertArrayEquals(new double[] {0.1, 0.3, 0.5}, ThresholdSweep.withCalibrated(new double[] {0.5, 0.1}, 0.3));
    }

    static ModelDescriptor descriptor(boolean binaryFeatures) {
        return new ModelDescriptor("m", "1", List.of("a", "b", "c"),
                new InputSpec("image", new long[] {1, 2, 2}, 255, new float[] {0}, new float[] {1}, "grayscale"),
                new FeatureSpec("features", new long[] {4, 2, 2}, binaryFeatures), "exit_logits", "features", "logits",
                new MacCounts(Map.of(1, 1000L, 32, 100L), 30, Map.of(32, 1000L), 2000),
                new ExitPolicySettings("entropy", 0.5, "nats"));
    }
}
