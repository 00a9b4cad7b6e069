package io.hybridfog.energy;

import java.util.Map;
import java.util.TreeMap;

/**
 * Energy of one multiply-accumulate (MAC) by operand bit-width, picojoules. Immutable.
 *
 * <p>Defaults (45 nm, Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014;
 * derivation in docs/energy.md):
 * <ul>
 *   <li>32-bit float MAC: 3.7 pJ multiply + 0.9 pJ add = {@value #DEFAULT_FP32_PJ} pJ;</li>
 *   <li>k-bit integer MAC, k &lt;= 16: {@code 0.2 pJ * (k/8)^2 + 0.1 pJ}, i.e. Horowitz's 8-bit integer multiply
 *       (0.2 pJ) scaled with multiplier area (proportional to k^2), plus a 32-bit integer add (0.1 pJ) for the
 *       wide accumulator: 1 bit (XNOR + popcount) 0.103125, 2 bits 0.1125, 4 bits 0.15, 8 bits 0.3,
 *       16 bits 0.9 pJ.</li>
 * </ul>
 * Configuration keys: {@value #FP32_KEY} for 32-bit float, {@value #BITS_KEY_PREFIX}{@code <k>} for k-bit
 * integer, 1 &lt;= k &lt;= 31 (keys beyond the five defaults add bit-widths).
 */
public final class MacEnergyTable {
    /** ConfigAdmin PID of the energy model. */
    public static final String PID = "io.hybridfog.energy";
    public static final String FP32_KEY = "pj.per.mac.fp32";
    public static final String BITS_KEY_PREFIX = "pj.per.mac.bits.";
    /** Bit-width that stands for 32-bit float in MAC counts. */
    public static final int FP32_BITS = 32;

    public static final double DEFAULT_FP32_PJ = 4.6;
    public static final double DEFAULT_BITS_1_PJ = 0.103125;
    public static final double DEFAULT_BITS_2_PJ = 0.1125;
    public static final double DEFAULT_BITS_4_PJ = 0.15;
    public static final double DEFAULT_BITS_8_PJ = 0.3;
    public static final double DEFAULT_BITS_16_PJ = 0.9;

    private static final String KEY_PREFIX = "pj.per.mac.";

    private final Map<Integer, Double> pjByBits;

    private MacEnergyTable(Map<Integer, Double> pjByBits) {
        this.pjByBits = Map.copyOf(pjByBits);
    }

    /** The documented defaults. */
    public static MacEnergyTable defaults() {
        return new MacEnergyTable(defaultMap());
    }

    private static Map<Integer, Double> defaultMap() {
        Map<Integer, Double> m = new TreeMap<>();
        m.put(FP32_BITS, DEFAULT_FP32_PJ);
        m.put(1, DEFAULT_BITS_1_PJ);
        m.put(2, DEFAULT_BITS_2_PJ);
        m.put(4, DEFAULT_BITS_4_PJ);
        m.put(8, DEFAULT_BITS_8_PJ);
        m.put(16, DEFAULT_BITS_16_PJ);
        return m;
    }

    /**
     * The default k-bit integer MAC energy as derived from Horowitz (ISSCC 2014): {@code 0.2 (k/8)^2 + 0.1} pJ.
     * The DEFAULT_BITS_* constants are its values, spelled out so they can be annotation defaults.
     */
    public static double horowitzIntegerMacPj(int bits) {
        double scale = bits / 8.0;
        return 0.2 * scale * scale + 0.1;
    }

    /**
     * Defaults overridden by configuration properties. Keys not starting with {@code pj.per.mac.} are ignored
     * (ConfigAdmin and DS add their own, e.g. {@code service.pid}).
     *
     * @param properties values as Number or numeric String, finite and &gt;= 0, picojoules
     * @throws IllegalArgumentException naming the key, for a value that is not a number, negative, NaN or infinite,
     *                                  or for an unknown {@code pj.per.mac.*} key
     */
    public static MacEnergyTable fromProperties(Map<String, ?> properties) {
        Map<Integer, Double> m = defaultMap();
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(KEY_PREFIX)) {
                m.put(bitsOf(key), parsePj(key, e.getValue()));
            }
        }
        return new MacEnergyTable(m);
    }

    private static int bitsOf(String key) {
        if (key.equals(FP32_KEY)) {
            return FP32_BITS;
        }
        if (key.startsWith(BITS_KEY_PREFIX)) {
            String k = key.substring(BITS_KEY_PREFIX.length());
            if (k.matches("[1-9][0-9]?") && Integer.parseInt(k) < FP32_BITS) {
                return Integer.parseInt(k);
            }
        }
        throw new IllegalArgumentException("unknown energy configuration key " + key + " in PID " + PID
                + ": expected " + FP32_KEY + " or " + BITS_KEY_PREFIX + "<k> with k in 1..31");
    }

    private static double parsePj(String key, Object value) {
        double pj;
        if (value instanceof Number n) {
            pj = n.doubleValue();
        } else if (value instanceof String s) {
            try {
                pj = Double.parseDouble(s.trim());
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("energy configuration " + key + " = '" + s + "' is not a number (pJ)", ex);
            }
        } else {
            throw new IllegalArgumentException("energy configuration " + key + " must be a number of picojoules, got "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        if (!Double.isFinite(pj) || pj < 0) {
            throw new IllegalArgumentException("energy configuration " + key + " = " + pj + " must be finite and >= 0 (pJ)");
        }
        return pj;
    }

    /** The configuration key of a bit-width: {@value #FP32_KEY} for 32, {@code pj.per.mac.bits.<k>} otherwise. */
    public static String keyFor(int bits) {
        return bits == FP32_BITS ? FP32_KEY : BITS_KEY_PREFIX + bits;
    }

    /**
     * @param bits operand bit-width, 32 = float32
     * @return picojoules per MAC
     * @throws IllegalArgumentException naming the missing configuration key if none is configured
     */
    public double perMacPj(int bits) {
        Double pj = pjByBits.get(bits);
        if (pj == null) {
            throw new IllegalArgumentException("no energy per MAC configured for " + bits + "-bit operands: set "
                    + keyFor(bits) + " in configuration PID " + PID);
        }
        return pj;
    }

    /**
     * @param macsByBits MACs per bit-width
     * @return sum over bit-widths of MACs x {@link #perMacPj}, picojoules
     * @throws IllegalArgumentException if a bit-width has no energy, or a count is null or negative
     */
    public double sumPj(Map<Integer, Long> macsByBits) {
        double pj = 0;
        for (Map.Entry<Integer, Long> e : macsByBits.entrySet()) {
            Long macs = e.getValue();
            if (macs == null || macs < 0) {
                throw new IllegalArgumentException("MAC count for " + e.getKey() + " bits is " + macs + ", must be >= 0");
            }
            pj += macs * perMacPj(e.getKey());
        }
        return pj;
    }

    /** Configured bit-widths and their pJ per MAC, ascending. */
    public Map<Integer, Double> asMap() {
        return new TreeMap<>(pjByBits);
    }

    @Override
    public String toString() {
        return "pJ per MAC by bits " + asMap();
    }
}
