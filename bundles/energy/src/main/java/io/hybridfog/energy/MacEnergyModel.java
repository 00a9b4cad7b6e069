package io.hybridfog.energy;

import io.hybridfog.api.EnergyEstimate;
import io.hybridfog.api.EnergyModel;
import io.hybridfog.api.MacCounts;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;

import java.util.Map;

/**
 * The {@link EnergyModel} service: energy = sum over bit-widths of MACs x pJ per MAC, with the per-MAC
 * energies of {@link MacEnergyTable} (defaults from Horowitz, ISSCC 2014; docs/energy.md), overridable through
 * ConfigAdmin PID {@value MacEnergyTable#PID}. Without a configuration the defaults apply; a configuration
 * change re-creates the component. Immutable and thread-safe.
 */
@Component(service = EnergyModel.class, configurationPid = MacEnergyTable.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true) // an invalid configuration is then logged when it is applied, not at first use
@Designate(ocd = EnergyConfig.class)
public final class MacEnergyModel implements EnergyModel {
    private static final System.Logger LOG = System.getLogger(MacEnergyModel.class.getName());

    private final MacEnergyTable table;

    /**
     * @param properties component properties (configuration of PID {@value MacEnergyTable#PID}, if any);
     *                   {@code Map.of()} for the defaults
     * @throws IllegalArgumentException naming the key of an invalid value, which fails the activation
     */
    @Activate
    public MacEnergyModel(Map<String, Object> properties) {
        this.table = MacEnergyTable.fromProperties(properties);
        LOG.log(System.Logger.Level.INFO, "energy model active: {0}", table);
    }

    public MacEnergyTable table() {
        return table;
    }

    @Override
    public double energyPerMacPj(int bits) {
        return table.perMacPj(bits);
    }

    /**
     * edgePj = sum of edgeByBits (which already includes the early exit); cloudPj = sum of cloudByBits if
     * offloaded, else 0; referencePj = referenceFp32 x fp32 pJ. All picojoules.
     *
     * @throws IllegalArgumentException if a bit-width in macs has no configured energy (the message names the
     *                                  missing key), a map is null, or a count is negative
     */
    @Override
    public EnergyEstimate estimate(MacCounts macs, boolean offloaded) {
        if (macs.edgeByBits() == null || macs.cloudByBits() == null) {
            throw new IllegalArgumentException("MAC counts need edgeByBits and cloudByBits (empty maps, not null)");
        }
        if (macs.referenceFp32() < 0) {
            throw new IllegalArgumentException("referenceFp32 MACs is " + macs.referenceFp32() + ", must be >= 0");
        }
        double edge = table.sumPj(macs.edgeByBits());
        double cloud = table.sumPj(macs.cloudByBits()); // validated even when not offloaded: a bad model fails early
        double reference = macs.referenceFp32() * table.perMacPj(MacEnergyTable.FP32_BITS);
        return new EnergyEstimate(edge, offloaded ? cloud : 0, reference);
    }
}
