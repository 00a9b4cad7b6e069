package io.hybridfog.demo.dse;

import io.hybridfog.api.MacCounts;

import java.util.Map;

/**
 * One variant of the design space exploration: a model bundle (cut point x edge bit-width) and the exit policy
 * the thresholds are swept for. Plain values, so reports can be built and tested without ONNX.
 *
 * @param model               model name ({@code HybridFog-Model})
 * @param version             model version
 * @param bundle              file name of the model bundle jar
 * @param cut                 cut point from the optional metadata key {@code cut}; empty if the model does not say
 * @param edgeBits            operand bit-width of the edge's quantized layers (1 = binary, 32 = all float)
 * @param edgeBitsSource      {@code metadata} (key {@code edge_bits}) or {@code macs} (derived from {@code macs.edge})
 * @param policy              exit policy name, e.g. {@code entropy}
 * @param unit                unit of the policy's threshold, e.g. {@code nats}
 * @param calibratedThreshold the model's calibrated threshold (in {@code unit}) when {@code policy} is the model's
 *                            own, else NaN (a threshold of another policy's unit means nothing here)
 */
public record Variant(String model, String version, String bundle, String cut, int edgeBits, String edgeBitsSource,
               String policy, String unit, double calibratedThreshold) {

    /** Short name for tables and the plot legend, e.g. {@code fashion-mnist-hybrid 1.0.0, 1-bit edge}. */
    String label() {
        return model + " " + version + (cut.isEmpty() ? "" : ", cut " + cut) + ", " + bitsLabel(edgeBits) + " edge";
    }

    static String bitsLabel(int bits) {
        return bits == 32 ? "fp32" : bits + "-bit";
    }

    /**
     * The edge's quantized bit-width from its MAC table: the smallest bit-width with MACs (the full-precision first
     * layer and exit classifier are 32), or 32 if the edge is all float.
     */
    static int edgeBitsFromMacs(MacCounts macs) {
        return macs.edgeByBits().entrySet().stream().filter(e -> e.getValue() != null && e.getValue() > 0)
                .map(Map.Entry::getKey).min(Integer::compare).orElse(32);
    }
}
