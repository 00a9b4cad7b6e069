package io.hybridfog.energy;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Metatype of PID {@code io.hybridfog.energy}: picojoules per MAC. Method names map to keys by the
 * DS/metatype rule "_" -&gt; ".", e.g. {@code pj_per_mac_bits_1} is {@code pj.per.mac.bits.1}.
 * Defaults and sources: {@link MacEnergyTable}, docs/energy.md.
 */
@ObjectClassDefinition(id = MacEnergyTable.PID, name = "HybridFog energy model",
        description = "Energy of one multiply-accumulate by operand bit-width, picojoules (45 nm, Horowitz ISSCC 2014; see docs/energy.md). "
                + "More integer bit-widths can be added as pj.per.mac.bits.<k>, k in 1..31.")
@interface EnergyConfig {

    @AttributeDefinition(name = "float32 MAC (pJ)", min = "0", description = "3.7 pJ fp32 multiply + 0.9 pJ fp32 add")
    double pj_per_mac_fp32() default MacEnergyTable.DEFAULT_FP32_PJ;

    @AttributeDefinition(name = "1-bit (binary) MAC (pJ)", min = "0", description = "XNOR 0.2*(1/8)^2 + popcount-accumulate 0.1")
    double pj_per_mac_bits_1() default MacEnergyTable.DEFAULT_BITS_1_PJ;

    @AttributeDefinition(name = "2-bit integer MAC (pJ)", min = "0", description = "0.2*(2/8)^2 + 0.1")
    double pj_per_mac_bits_2() default MacEnergyTable.DEFAULT_BITS_2_PJ;

    @AttributeDefinition(name = "4-bit integer MAC (pJ)", min = "0", description = "0.2*(4/8)^2 + 0.1")
    double pj_per_mac_bits_4() default MacEnergyTable.DEFAULT_BITS_4_PJ;

    @AttributeDefinition(name = "8-bit integer MAC (pJ)", min = "0", description = "0.2 (8-bit multiply) + 0.1 (32-bit add)")
    double pj_per_mac_bits_8() default MacEnergyTable.DEFAULT_BITS_8_PJ;

    @AttributeDefinition(name = "16-bit integer MAC (pJ)", min = "0", description = "0.2*(16/8)^2 + 0.1")
    double pj_per_mac_bits_16() default MacEnergyTable.DEFAULT_BITS_16_PJ;
}
