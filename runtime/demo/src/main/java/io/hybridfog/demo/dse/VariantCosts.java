package io.hybridfog.demo.dse;

import io.hybridfog.api.EnergyEstimate;
import io.hybridfog.api.EnergyModel;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.codec.TensorCodec;

/**
 * What one sample of a variant costs, whatever the threshold: computational energy by exit point and the bytes an
 * offload sends.
 *
 * @param edgeExitPj   energy of a sample answered at the edge: edge partition incl. early exit, pJ
 * @param offloadedPj  energy of an offloaded sample: edge + cloud partition, pJ
 * @param referencePj  energy of the same network entirely in full precision, pJ (the baseline)
 * @param offloadBytes HFT bytes the gateway sends per offloaded sample
 */
public record VariantCosts(double edgeExitPj, double offloadedPj, double referencePj, int offloadBytes) {

    /**
     * Energies from {@link EnergyModel#estimate} with the model's MAC counts; offload bytes from
     * {@link TensorCodec#encodedSize} of one sample's features [1, shape...], BINARY when the features are binary,
     * else FLOAT32, naming model and version, as the gateway encodes them.
     *
     * @throws IllegalArgumentException if the energy model has no energy for a bit-width of the model
     */
    static VariantCosts of(ModelDescriptor d, EnergyModel energy) {
        EnergyEstimate exited = energy.estimate(d.macs(), false);
        EnergyEstimate offloaded = energy.estimate(d.macs(), true);
        long[] sampleShape = d.features().shape();
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = 1; // the gateway offloads one sample at a time
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        TensorCodec.Encoding enc = d.features().binary() ? TensorCodec.Encoding.BINARY : TensorCodec.Encoding.FLOAT32;
        return new VariantCosts(exited.totalPj(), offloaded.totalPj(), exited.referencePj(),
                TensorCodec.encodedSize(shape, enc, d.name(), d.version()));
    }
}
