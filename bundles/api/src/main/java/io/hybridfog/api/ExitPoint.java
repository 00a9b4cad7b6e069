package io.hybridfog.api;

/** Where a sample's answer came from. */
public enum ExitPoint {
    /** The early exit of the edge partition was confident enough. */
    EDGE,
    /** The sample was offloaded and the cloud partition answered. */
    CLOUD,
    /**
     * The sample was offloaded but the cloud did not answer in time (gateway setting {@code offload.timeout.ms}) or
     * could not be reached; the early exit answered instead (its class, confidence and entropy).
     */
    EDGE_FALLBACK
}
