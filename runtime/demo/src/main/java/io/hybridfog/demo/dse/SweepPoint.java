package io.hybridfog.demo.dse;

/**
 * One threshold of one variant, evaluated over a test set.
 *
 * @param threshold         exit threshold, in the policy's unit (nats for entropy)
 * @param calibrated        true if this is the model's calibrated threshold
 * @param samples           test samples
 * @param correct           samples whose answer (early exit or cloud) equals the label
 * @param edgeExits         samples answered at the edge
 * @param energyPerSamplePj mean computational energy per sample, pJ: edge for every sample + cloud for offloaded ones
 * @param referencePj       energy per sample of the full-precision network, pJ
 * @param offloadBytes      HFT bytes sent per offloaded sample
 */
public record SweepPoint(double threshold, boolean calibrated, int samples, int correct, int edgeExits,
                  double energyPerSamplePj, double referencePj, int offloadBytes) {

    /** Fraction of samples answered correctly, in [0, 1]. */
    double accuracy() {
        return (double) correct / samples;
    }

    /** Fraction of samples answered at the edge, in [0, 1]. */
    double edgeExitRate() {
        return (double) edgeExits / samples;
    }

    /** How many times less energy than full precision: referencePj / energyPerSamplePj. */
    double reduction() {
        return referencePj / energyPerSamplePj;
    }

    /** Mean bytes offloaded per sample (edge-exited samples send nothing), bytes. */
    double offloadBytesPerSample() {
        return (double) offloadBytes * (samples - edgeExits) / samples;
    }
}
