package io.hybridfog.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The cloud partition of a hybrid model: the remaining full-precision layers and the final classifier.
 * Registered as an OSGi service with {@link PartitionProperties#MODEL} and {@link PartitionProperties#VERSION}.
 * Implementations are thread-safe.
 */
@ProviderType
public interface CloudPartition {

    ModelDescriptor descriptor();

    /**
     * Finishes the inference of offloaded samples.
     *
     * @param features float32 [N, feature shape...] as produced by the edge partition of the same model version
     * @return final logits, float32 [N, classes]
     * @throws HybridFogException {@link ErrorCode#WRONG_SHAPE} on a feature shape mismatch,
     *                            {@link ErrorCode#UNKNOWN_MODEL} if the partition was closed,
     *                            {@link ErrorCode#INTERNAL} if ONNX Runtime fails
     */
    Tensor run(Tensor features) throws HybridFogException;
}
