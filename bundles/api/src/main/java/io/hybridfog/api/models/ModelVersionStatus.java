package io.hybridfog.api.models;

/**
 * One installed model version as {@link ModelCatalog} sees it.
 *
 * @param model    model name ({@code HybridFog-Model} header)
 * @param version  model version ({@code HybridFog-Model-Version} header)
 * @param state    see {@link State}
 * @param pinned   true if the operator pinned the model to this version ({@link ModelCatalog#activate},
 *                 {@link ModelCatalog#rollback})
 * @param bundleId the OSGi bundle id of the model bundle
 * @param location the bundle's location (e.g. the jar's URL in the deploy folder)
 * @param partitions the partitions the bundle carries: {@code edge}, {@code cloud} or both
 * @param detail   why a version was rejected, or how long its activation took; empty if nothing to say
 */
public record ModelVersionStatus(String model, String version, State state, boolean pinned, long bundleId,
                                 String location, java.util.List<String> partitions, String detail) {

    /** Lifecycle state of an installed version. */
    public enum State {
        /** Serves the edge partition of its model (and its cloud partition); a cloud-only bundle: its cloud partition serves. */
        ACTIVE,
        /** Valid and installed; its cloud partition serves offloads of this version; its edge session is closed. */
        STANDBY,
        /** Failed validation; nothing of it is registered; {@code detail} says why. */
        REJECTED
    }

    /** {@code model:version}. */
    public String id() {
        return model + ":" + version;
    }
}
