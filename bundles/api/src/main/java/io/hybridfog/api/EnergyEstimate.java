package io.hybridfog.api;

/**
 * Computational energy of one inference.
 *
 * @param edgePj      energy of the edge partition (including the early exit), picojoules
 * @param cloudPj     energy of the cloud partition, picojoules; 0 when the sample exited at the edge
 * @param referencePj energy of the same network run entirely in full precision, picojoules
 */
public record EnergyEstimate(double edgePj, double cloudPj, double referencePj) {

    public double totalPj() {
        return edgePj + cloudPj;
    }

    /** referencePj / totalPj: how many times less energy than full precision. */
    public double reduction() {
        return referencePj / totalPj();
    }
}
