package io.hybridfog.policy;

import io.hybridfog.api.ExitDecision;
import io.hybridfog.api.ExitPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExitPoliciesTest {
    private static final double LN2 = Math.log(2);
    private static final float LN3 = (float) Math.log(3);
    /** float32 ln 3 moves p by ~1e-8 from 0.6/0.2/0.2; everything else here is exact to ~1e-15. */
    private static final double LN3_TOLERANCE = 1e-7;

    private final EntropyPolicy entropy = new EntropyPolicy();
    private final NormalizedEntropyPolicy normalized = new NormalizedEntropyPolicy();
    private final MaxSoftmaxPolicy maxSoftmax = new MaxSoftmaxPolicy();
    private final MarginPolicy margin = new MarginPolicy();
    private final EdgeOnlyPolicy edgeOnly = new EdgeOnlyPolicy();
    private final CloudOnlyPolicy cloudOnly = new CloudOnlyPolicy();
    private final List<ExitPolicy> all = List.of(entropy, normalized, maxSoftmax, margin, edgeOnly, cloudOnly);

    @Test
    void namesAndUnits() {
        assertEquals(List.of("entropy", "normalized-entropy", "max-softmax", "margin", "edge-only", "cloud-only"),
                all.stream().map(ExitPolicy::name).toList());
        assertEquals(List.of("nats", "fraction of ln C", "probability", "probability", "none", "none"),
                all.stream().map(ExitPolicy::unit).toList());
    }

    @Test
    void everyDecisionReportsTheSameStatistics() {
        // [ln 3, 0, 0]: p = 0.6, 0.2, 0.2; H = -(0.6 ln 0.6 + 0.4 ln 0.2) = 0.9502705392332347 nats
        for (ExitPolicy policy : all) {
            ExitDecision d = policy.decide(new float[]{LN3, 0, 0}, 0.5);
            assertEquals(0, d.predictedClass(), policy.name());
            assertEquals(0.6, d.confidence(), LN3_TOLERANCE, policy.name());
            assertEquals(0.9502705392332347, d.entropyNats(), LN3_TOLERANCE, policy.name());
        }
    }

    @Test
    void scoresForLnThreeZeroZero() {
        float[] logits = {LN3, 0, 0};
        assertEquals(0.9502705392332347, entropy.decide(logits, 1).score(), LN3_TOLERANCE);
        assertEquals(0.8649735207179272, normalized.decide(logits, 1).score(), LN3_TOLERANCE); // H / ln 3
        assertEquals(0.6, maxSoftmax.decide(logits, 1).score(), LN3_TOLERANCE);
        assertEquals(0.4, margin.decide(logits, 1).score(), LN3_TOLERANCE);                     // 0.6 - 0.2
        assertEquals(1.0, edgeOnly.decide(logits, 1).score());
        assertEquals(0.0, cloudOnly.decide(logits, 1).score());
    }

    @Test
    void scoresForTwoOneZero() {
        // p = e^(2,1,0) / (e^2 + e + 1) = 0.6652409557748219, 0.24472847105479764, 0.09003057317038046
        float[] logits = {2, 1, 0};
        assertEquals(0.8323955818399389, entropy.decide(logits, 0).score(), 1e-15);
        assertEquals(0.7576791106615822, normalized.decide(logits, 0).score(), 1e-15);
        assertEquals(0.6652409557748219, maxSoftmax.decide(logits, 0).score(), 1e-15);
        assertEquals(0.4205124847200242, margin.decide(logits, 0).score(), 1e-15);
    }

    @Test
    void twoEqualLogitsAreATieAtLnTwo() {
        float[] logits = {0, 0};
        ExitDecision d = entropy.decide(logits, 1);
        assertEquals(LN2, d.score(), 1e-16);
        assertEquals(0, d.predictedClass());           // tie: lowest index
        assertEquals(0.5, d.confidence());
        assertEquals(1.0, normalized.decide(logits, 1).score(), 1e-15);
        assertEquals(0.0, margin.decide(logits, 1).score());
        assertEquals(1, entropy.decide(new float[]{-1, 4, 4, 2}, 1).predictedClass());
        assertEquals(0.0, margin.decide(new float[]{-1, 4, 4, 2}, 1).score());
    }

    @Test
    void entropyThresholdIsStrict() {
        // [1000, 0]: p = [1, e^-1000 = 0 in double], so H is exactly 0
        float[] certain = {1000, 0};
        assertEquals(0.0, entropy.decide(certain, 0).score());
        assertFalse(entropy.decide(certain, 0).exitAtEdge());              // 0 < 0 is false
        assertTrue(entropy.decide(certain, Double.MIN_VALUE).exitAtEdge());
        assertFalse(normalized.decide(certain, 0).exitAtEdge());
        assertTrue(normalized.decide(certain, Double.MIN_VALUE).exitAtEdge());
        float[] uniform = {0, 0};
        assertTrue(entropy.decide(uniform, 0.7).exitAtEdge());              // ln 2 = 0.693 < 0.7
        assertFalse(entropy.decide(uniform, 0.69).exitAtEdge());
        assertFalse(entropy.decide(uniform, Double.NEGATIVE_INFINITY).exitAtEdge());
        assertTrue(entropy.decide(uniform, Double.POSITIVE_INFINITY).exitAtEdge());
    }

    @Test
    void probabilityThresholdsAreNonStrict() {
        float[] uniform = {0, 0};                                           // max p = 0.5 and margin 0, both exact
        assertTrue(maxSoftmax.decide(uniform, 0.5).exitAtEdge());
        assertFalse(maxSoftmax.decide(uniform, Math.nextUp(0.5)).exitAtEdge());
        assertTrue(margin.decide(uniform, 0).exitAtEdge());
        assertFalse(margin.decide(uniform, Double.MIN_VALUE).exitAtEdge());
        assertTrue(maxSoftmax.decide(new float[]{1000, 0}, 1.0).exitAtEdge());
        assertTrue(margin.decide(new float[]{1000, 0}, 1.0).exitAtEdge());
    }

    @Test
    void largeLogitsAreStable() {
        for (ExitPolicy policy : all) {
            ExitDecision d = policy.decide(new float[]{0, 1000, -1000}, 0.5);
            assertEquals(1, d.predictedClass());
            assertEquals(1.0, d.confidence());
            assertEquals(0.0, d.entropyNats());
            assertTrue(Double.isFinite(d.score()), policy.name());
        }
        assertEquals(1.0, margin.decide(new float[]{0, 1000, -1000}, 0.5).score());
    }

    @Test
    void singleClassIsCertain() {
        float[] one = {5};
        assertEquals(0.0, entropy.decide(one, 0.1).score());
        assertEquals(0.0, normalized.decide(one, 0.1).score());
        assertEquals(1.0, maxSoftmax.decide(one, 0.1).score());
        assertEquals(1.0, margin.decide(one, 0.1).score());
    }

    @Test
    void baselinesIgnoreTheThreshold() {
        for (double t : new double[]{Double.NEGATIVE_INFINITY, -1, 0, 0.5, 1e9, Double.POSITIVE_INFINITY}) {
            assertTrue(edgeOnly.decide(new float[]{0, 0, 0}, t).exitAtEdge());
            assertFalse(cloudOnly.decide(new float[]{100, 0, 0}, t).exitAtEdge());
        }
        ExitDecision d = cloudOnly.decide(new float[]{0, 0}, 0);
        assertEquals(LN2, d.entropyNats(), 1e-16);
        assertEquals(0.5, d.confidence());
    }

    @Test
    void invalidInputIsRejected() {
        for (ExitPolicy policy : all) {
            assertThrows(IllegalArgumentException.class, () -> policy.decide(new float[0], 0.5), policy.name());
            assertThrows(IllegalArgumentException.class, () -> policy.decide(null, 0.5), policy.name());
            assertThrows(IllegalArgumentException.class, () -> policy.decide(new float[]{0, Float.NaN}, 0.5), policy.name());
            assertThrows(IllegalArgumentException.class, () -> policy.decide(new float[]{0, Float.POSITIVE_INFINITY}, 0.5), policy.name());
            assertThrows(IllegalArgumentException.class, () -> policy.decide(new float[]{0, 1}, Double.NaN), policy.name());
        }
    }

    @Test
    void namesAreUnique() {
        Set<String> names = all.stream().map(ExitPolicy::name).collect(Collectors.toSet());
        assertEquals(all.size(), names.size());
    }
}
