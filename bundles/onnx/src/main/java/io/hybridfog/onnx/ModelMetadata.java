package io.hybridfog.onnx;

import io.hybridfog.api.ModelDescriptor;

/**
 * The {@code hybridfog} metadata document of one partition file.
 *
 * @param partition  which partition the file says it holds
 * @param descriptor the model description shared by the edge and cloud partitions of one model version
 */
public record ModelMetadata(PartitionKind partition, ModelDescriptor descriptor) {
}
