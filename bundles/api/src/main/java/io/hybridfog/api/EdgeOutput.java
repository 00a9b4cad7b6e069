package io.hybridfog.api;

/**
 * Result of the edge partition for a batch of N samples.
 *
 * @param exitLogits early-exit logits, float32 [N, classes]
 * @param features   intermediate features, float32 [N, feature shape...]; values in {-1, +1} for binary edges
 */
public record EdgeOutput(Tensor exitLogits, Tensor features) {
}
