package io.hybridfog.api;

import java.util.Map;

/**
 * Multiply-accumulate operations (MACs) per sample, by bit-width (32 = full precision float).
 * Counted at export time by forward hooks (models/hybridfog_models/macs.py).
 *
 * @param edgeByBits    MACs of the edge partition including its early-exit classifier
 * @param edgeExitFp32  MACs of the early-exit classifier alone (full precision), included in edgeByBits
 * @param cloudByBits   MACs of the cloud partition
 * @param referenceFp32 MACs of the same network without its early exit, all layers full precision:
 *                      the baseline that energy reductions are reported against
 */
public record MacCounts(Map<Integer, Long> edgeByBits, long edgeExitFp32, Map<Integer, Long> cloudByBits, long referenceFp32) {
}
