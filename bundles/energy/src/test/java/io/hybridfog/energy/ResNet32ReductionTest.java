package io.hybridfog.energy;

import io.hybridfog.api.MacCounts;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reproduces the headline number of Long, Chakraborty, Roy (arXiv 2005.10851): ResNet-32 on CIFAR-10 with a
 * binary edge, 65% of samples exiting at the edge, about 5.5x less computational energy than the
 * full-precision network. Arithmetic spelled out in docs/energy.md.
 */
class ResNet32ReductionTest {

    /** MACs of a convolution: output elements x input channels x kernel area. */
    private static long conv(int outHw, int in, int out, int k) {
        return (long) outHw * outHw * out * in * k * k;
    }

    // ResNet-32 for 32x32x3: conv1 3x3 3->16; 3 stages of 5 basic blocks (two 3x3 convs) at 16/32/64 channels and
    // 32/16/8 pixels; the first block of stages 2 and 3 has stride 2 and a 1x1 stride-2 shortcut conv (option B).
    private static final long CONV1 = conv(32, 3, 16, 3);                                         // 442,368
    private static final long BLOCK1 = 2 * conv(32, 16, 16, 3);                                   // 4,718,592
    private static final long DOWN2 = conv(16, 16, 32, 3) + conv(16, 32, 32, 3) + conv(16, 16, 32, 1); // 3,670,016
    private static final long BLOCK2 = 2 * conv(16, 32, 32, 3);                                   // 4,718,592
    private static final long DOWN3 = conv(8, 32, 64, 3) + conv(8, 64, 64, 3) + conv(8, 32, 64, 1);   // 3,670,016
    private static final long BLOCK3 = 2 * conv(8, 64, 64, 3);                                    // 4,718,592
    private static final long FC = 64 * 10;
    /** Early exit after block 3 of stage 2: global average pool + 32x10 linear. */
    private static final long EXIT_FC = 32 * 10;

    @Test
    void macCountsOfResNet32() {
        assertEquals(442_368, CONV1);
        assertEquals(3_670_016, DOWN2);
        assertEquals(69_124_736, CONV1 + 5 * BLOCK1 + DOWN2 + 4 * BLOCK2 + DOWN3 + 4 * BLOCK3 + FC);
        assertEquals(37_142_528, CONV1 + 5 * BLOCK1 + DOWN2 + 2 * BLOCK2);
        assertEquals(31_982_208, 2 * BLOCK2 + DOWN3 + 4 * BLOCK3 + FC);
    }

    @Test
    void sixtyFivePercentEdgeExitsGiveAboutFivePointFiveTimes() {
        // as models/hybridfog_models/resnet.py builds it (cut "s2b3"): conv1, the 1x1 shortcut conv and the exit
        // classifier stay full precision; the 3x3 convolutions of the first 8 blocks are binary
        long shortcut2 = conv(16, 16, 32, 1);                                                      // 131,072
        long binaryEdge = 5 * BLOCK1 + DOWN2 - shortcut2 + 2 * BLOCK2;                             // 36,569,088
        long fp32Edge = CONV1 + shortcut2 + EXIT_FC;                                               // 573,760
        long cloud = 2 * BLOCK2 + DOWN3 + 4 * BLOCK3 + FC;                                         // 31,982,208
        long reference = CONV1 + 5 * BLOCK1 + DOWN2 + 2 * BLOCK2 + cloud;                          // 69,124,736
        assertEquals(36_569_088, binaryEdge);
        assertEquals(69_124_736, reference);
        MacCounts macs = new MacCounts(Map.of(1, binaryEdge, 32, fp32Edge), EXIT_FC, Map.of(32, cloud), reference);
        MacEnergyModel model = new MacEnergyModel(Map.of());
        double atEdge = model.estimate(macs, false).totalPj();
        double offloaded = model.estimate(macs, true).totalPj();
        assertEquals(6_410_483.2, atEdge, 1e-6);                           // 573,760 x 4.6 + 36,569,088 x 0.103125
        assertEquals(6_410_483.2 + 147_118_156.8, offloaded, 1e-6);        // + 31,982,208 x 4.6
        assertEquals(317_973_785.6, model.estimate(macs, true).referencePj(), 1e-6); // 69,124,736 x 4.6
        double mean = 0.65 * atEdge + 0.35 * offloaded;                    // 57,901,838.08 pJ
        double reduction = 317_973_785.6 / mean;
        assertEquals(5.4916, reduction, 1e-4);
        assertEquals(5.5, reduction, 0.2);                                 // Long et al.: 5.5x at 65% edge exits
    }
}
