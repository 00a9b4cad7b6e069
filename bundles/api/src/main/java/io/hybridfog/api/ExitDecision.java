package io.hybridfog.api;

/**
 * What an exit policy decided for one sample.
 *
 * @param exitAtEdge     true if the sample is answered by the early exit
 * @param predictedClass argmax of the exit logits
 * @param confidence     max softmax probability of the exit logits, in [0, 1]
 * @param entropyNats    Shannon entropy of the exit softmax, in nats, in [0, ln(classes)]
 * @param score          the policy's own score compared with the threshold, in the policy's unit
 */
public record ExitDecision(boolean exitAtEdge, int predictedClass, double confidence, double entropyNats, double score) {
}
