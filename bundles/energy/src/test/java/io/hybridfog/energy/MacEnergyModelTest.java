package io.hybridfog.energy;

import io.hybridfog.api.EnergyEstimate;
import io.hybridfog.api.MacCounts;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MacEnergyModelTest {
    private final MacEnergyModel defaults = new MacEnergyModel(Map.of());

    @Test
    void defaultsAreTheDocumentedHorowitzValues() {
        assertEquals(4.6, defaults.energyPerMacPj(32));
        assertEquals(3.7 + 0.9, defaults.energyPerMacPj(32), 1e-12);
        Map<Integer, Double> expected = Map.of(1, 0.103125, 2, 0.1125, 4, 0.15, 8, 0.3, 16, 0.9);
        for (Map.Entry<Integer, Double> e : expected.entrySet()) {
            assertEquals(e.getValue(), defaults.energyPerMacPj(e.getKey()), "bits " + e.getKey());
            // the literals are 0.2 pJ * (k/8)^2 + 0.1 pJ
            assertEquals(MacEnergyTable.horowitzIntegerMacPj(e.getKey()), e.getValue(), 1e-15, "bits " + e.getKey());
        }
        assertEquals(6, defaults.table().asMap().size());
    }

    @Test
    void estimateOfAHandComputedModel() {
        // edge: 1000 binary MACs (0.103125 pJ) + 10 fp32 MACs (4.6 pJ) = 103.125 + 46 = 149.125 pJ
        // cloud: 100 fp32 MACs = 460 pJ; reference: 200 fp32 MACs = 920 pJ
        MacCounts macs = new MacCounts(Map.of(1, 1000L, 32, 10L), 10, Map.of(32, 100L), 200);
        EnergyEstimate atEdge = defaults.estimate(macs, false);
        assertEquals(149.125, atEdge.edgePj(), 1e-12);
        assertEquals(0.0, atEdge.cloudPj());
        assertEquals(920.0, atEdge.referencePj(), 1e-12);
        assertEquals(920.0 / 149.125, atEdge.reduction(), 1e-12);
        EnergyEstimate offloaded = defaults.estimate(macs, true);
        assertEquals(149.125, offloaded.edgePj(), 1e-12);
        assertEquals(460.0, offloaded.cloudPj(), 1e-12);
        assertEquals(609.125, offloaded.totalPj(), 1e-12);
    }

    @Test
    void unknownBitWidthNamesTheMissingKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> defaults.energyPerMacPj(3));
        assertTrue(e.getMessage().contains("pj.per.mac.bits.3"), e.getMessage());
        MacCounts threeBit = new MacCounts(Map.of(3, 10L), 0, Map.of(), 10);
        e = assertThrows(IllegalArgumentException.class, () -> defaults.estimate(threeBit, false));
        assertTrue(e.getMessage().contains("pj.per.mac.bits.3"), e.getMessage());
        // a cloud partition with an unknown width fails even for samples that exit at the edge
        MacCounts threeBitCloud = new MacCounts(Map.of(), 0, Map.of(3, 10L), 10);
        assertThrows(IllegalArgumentException.class, () -> defaults.estimate(threeBitCloud, false));
    }

    @Test
    void configurationOverridesAndAddsBitWidths() {
        Map<String, Object> config = new HashMap<>();
        config.put("pj.per.mac.fp32", "3.7");                 // FileInstall .cfg files deliver strings
        config.put("pj.per.mac.bits.8", 0.25);                // typed .config files deliver Doubles
        config.put("pj.per.mac.bits.3", " 0.128125 ");        // 0.2 * (3/8)^2 + 0.1 = 0.028125 + 0.1
        config.put("pj.per.mac.bits.4", 0);                   // zero is allowed
        config.put("service.pid", "io.hybridfog.energy");     // not ours: ignored
        config.put("component.name", "io.hybridfog.energy.MacEnergyModel");
        MacEnergyModel m = new MacEnergyModel(config);
        assertEquals(3.7, m.energyPerMacPj(32));
        assertEquals(0.25, m.energyPerMacPj(8));
        assertEquals(0.128125, m.energyPerMacPj(3));
        assertEquals(0.0, m.energyPerMacPj(4));
        assertEquals(0.103125, m.energyPerMacPj(1));          // untouched default
        assertEquals(MacEnergyTable.horowitzIntegerMacPj(3), 0.128125, 1e-15);
        // 2 x 3-bit + 1 x fp32 = 0.25625 + 3.7
        assertEquals(3.95625, m.estimate(new MacCounts(Map.of(3, 2L, 32, 1L), 1, Map.of(), 0), false).edgePj(), 1e-12);
    }

    @Test
    void invalidConfigurationFailsActivationNamingTheKey() {
        Object[][] cases = {
                {"pj.per.mac.fp32", "abc"}, {"pj.per.mac.fp32", "-1"}, {"pj.per.mac.bits.1", "NaN"},
                {"pj.per.mac.bits.1", Double.NaN}, {"pj.per.mac.bits.2", -0.5}, {"pj.per.mac.bits.16", Double.POSITIVE_INFINITY},
                {"pj.per.mac.bits.8", "Infinity"}, {"pj.per.mac.bits.8", true}, {"pj.per.mac.bits.8", new double[]{1}},
                {"pj.per.mac.fp16", 1.0}, {"pj.per.mac.bits.0", 1.0}, {"pj.per.mac.bits.32", 1.0}, {"pj.per.mac.bits.x", 1.0},
                {"pj.per.mac.bits.08", 1.0},
        };
        for (Object[] c : cases) {
            String key = (String) c[0];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new MacEnergyModel(Map.of(key, c[1])), key + " = " + c[1]);
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }

    @Test
    void invalidMacCountsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> defaults.estimate(new MacCounts(Map.of(1, -1L), 0, Map.of(), 0), false));
        assertThrows(IllegalArgumentException.class, () -> defaults.estimate(new MacCounts(null, 0, Map.of(), 0), false));
        assertThrows(IllegalArgumentException.class, () -> defaults.estimate(new MacCounts(Map.of(), 0, null, 0), true));
        assertThrows(IllegalArgumentException.class, () -> defaults.estimate(new MacCounts(Map.of(), 0, Map.of(), -5), true));
    }
}
