package io.hybridfog.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The edge partition of a hybrid model: quantized layers plus the early-exit classifier.
 * Registered as an OSGi service with the properties {@link PartitionProperties#MODEL} and
 * {@link PartitionProperties#VERSION}. Implementations are thread-safe.
 */
@ProviderType
public interface EdgePartition {

    ModelDescriptor descriptor();

    /**
     * Runs the edge partition.
     *
     * @param input float32 [N, C, H, W], normalized as {@link InputSpec} says
     * @return exit logits [N, classes] and features [N, ...]
     * @throws HybridFogException {@link ErrorCode#WRONG_SHAPE} if the input shape does not match the model,
     *                            {@link ErrorCode#UNKNOWN_MODEL} if the partition was closed (model uninstalled),
     *                            {@link ErrorCode#INTERNAL} if ONNX Runtime fails
     */
    EdgeOutput run(Tensor input) throws HybridFogException;
}
