package io.hybridfog.api.models;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The model versions installed on this node (one model bundle each) and which version of each model is
 * <em>active</em>, i.e. registered as the model's {@link io.hybridfog.api.EdgePartition}. The cloud partitions of
 * every installed, valid version stay registered, so offloads from gateways still on an older version are served.
 *
 * <p>By default a model follows its newest valid version: installing a newer bundle switches the edge to it once it
 * has been loaded, validated (checksums, input/output names and shapes against the manifest and metadata, one smoke
 * inference) and warmed up. {@link #activate} and {@link #rollback} pin a version instead; pins survive restarts.
 * A switch registers the new edge partition before unregistering the old one, so every sample finds a version; the
 * old session is closed once the runs in flight on it have finished.
 *
 * <p>Registered as an OSGi service by the model bundle extender (bundle {@code io.hybridfog.onnx}). Thread-safe;
 * the operations are serialized with bundle installation and removal.
 */
@ProviderType
public interface ModelCatalog {

    /** Every installed model version, rejected ones included, sorted by model name, then newest version first. */
    List<ModelVersionStatus> versions();

    /**
     * Pins {@code model} to {@code version} and makes it active (loading, validating and warming it first).
     *
     * @return the status of the now active version
     * @throws ModelCatalogException if the model or version is not installed, the version was rejected, or it fails
     *                               validation now (the previously active version then keeps serving)
     */
    ModelVersionStatus activate(String model, String version) throws ModelCatalogException;

    /**
     * Pins {@code model} to the newest valid version older than the active one and makes it active.
     *
     * @return the status of the now active version
     * @throws ModelCatalogException if the model is not installed or no older valid version is installed
     */
    ModelVersionStatus rollback(String model) throws ModelCatalogException;

    /**
     * Removes the pin of {@code model}: its newest valid version becomes active.
     *
     * @return the status of the now active version
     * @throws ModelCatalogException if the model is not installed or has no valid version
     */
    ModelVersionStatus followNewest(String model) throws ModelCatalogException;
}
