package io.hybridfog.api;

/** Service property names of {@link EdgePartition} and {@link CloudPartition} services. */
public final class PartitionProperties {
    /** Model name (String). */
    public static final String MODEL = "hybridfog.model";
    /** Model version (String, e.g. {@code 1.0.0}). */
    public static final String VERSION = "hybridfog.model.version";

    private PartitionProperties() {
    }
}
