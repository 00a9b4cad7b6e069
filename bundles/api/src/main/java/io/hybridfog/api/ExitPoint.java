package io.hybridfog.api;

/** Where a sample's answer came from. */
public enum ExitPoint {
    /** The early exit of the edge partition was confident enough. */
    EDGE,
    /** The sample was offloaded and the cloud partition answered. */
    CLOUD
}
