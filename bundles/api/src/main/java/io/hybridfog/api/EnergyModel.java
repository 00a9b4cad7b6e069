package io.hybridfog.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Computational energy from MAC counts: sum over bit-widths of MACs x energy per MAC at that bit-width.
 * Defaults and their sources are documented by the implementation (docs/energy.md).
 */
@ProviderType
public interface EnergyModel {

    /**
     * @param bits operand bit-width (1 = binary XNOR-popcount, 32 = float32)
     * @return energy of one MAC in picojoules
     * @throws IllegalArgumentException if no energy is configured for this bit-width
     */
    double energyPerMacPj(int bits);

    /**
     * @param macs      MAC counts of the model
     * @param offloaded true if the sample also ran the cloud partition
     * @throws IllegalArgumentException if a bit-width in macs has no configured energy
     */
    EnergyEstimate estimate(MacCounts macs, boolean offloaded);
}
