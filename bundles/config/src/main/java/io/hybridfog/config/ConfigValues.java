package io.hybridfog.config;

import java.util.Map;
import java.util.Objects;

/**
 * Reads typed values from a ConfigAdmin dictionary (as DS hands it to activate). Accepts the declared type or its
 * string form (FileInstall .cfg files deliver strings); anything else fails with a {@link SettingException} naming the key.
 */
public final class ConfigValues {
    /**
     * Framework property naming a folder that survives restarts (the launcher sets it to {@code <work>/state}; the
     * Felix cache beside it is wiped at every start): the gateway's journal and the model pins live there.
     */
    public static final String STATE_DIR_PROPERTY = "hybridfog.state.dir";

    private final Map<String, ?> props;

    public ConfigValues(Map<String, ?> props) {
        this.props = Objects.requireNonNull(props, "props");
    }

    /** The trimmed string, or {@code def} if absent or blank. */
    public String string(String key, String def) {
        Object v = props.get(key);
        if (v == null) {
            return def;
        }
        String s = String.valueOf(v).trim();
        return s.isEmpty() ? def : s;
    }

    /** The string as given (not trimmed; passwords may have spaces), or null if absent or empty. */
    public String secret(String key) {
        Object v = props.get(key);
        if (v == null) {
            return null;
        }
        String s = v instanceof char[] c ? new String(c) : String.valueOf(v);
        return s.isEmpty() ? null : s;
    }

    /** {@code true} or {@code false} (any case), or {@code def} if absent or blank; anything else fails naming the key. */
    public boolean bool(String key, boolean def) {
        Object v = props.get(key);
        if (v == null || (v instanceof String s && s.isBlank())) {
            return def;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(v).trim();
        if (s.equalsIgnoreCase("true")) {
            return true;
        }
        if (s.equalsIgnoreCase("false")) {
            return false;
        }
        throw new SettingException(key, "not true or false: '" + v + "'");
    }

    /** An integral number, or {@code def} if absent or blank. */
    public long longValue(String key, long def) {
        Object v = props.get(key);
        if (v == null || (v instanceof String s && s.isBlank())) {
            return def;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        try {
            return Long.parseLong(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw new SettingException(key, "not an integer: '" + v + "'");
        }
    }

    /** As {@link #longValue}, and within the range of int. */
    public int integer(String key, int def) {
        long v = longValue(key, def);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new SettingException(key, "out of range: " + v);
        }
        return (int) v;
    }

    /** A number, or null if absent or blank; NaN is rejected. */
    public Double optionalDouble(String key) {
        Object v = props.get(key);
        if (v == null || (v instanceof String s && s.isBlank())) {
            return null;
        }
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else {
            try {
                d = Double.parseDouble(String.valueOf(v).trim());
            } catch (NumberFormatException e) {
                throw new SettingException(key, "not a number: '" + v + "'");
            }
        }
        if (Double.isNaN(d)) {
            throw new SettingException(key, "must not be NaN");
        }
        return d;
    }

    /** @throws SettingException naming {@code key} if {@code value} is outside [min, max] */
    public static void requireRange(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new SettingException(key, "must be in [" + min + ", " + max + "], got " + value);
        }
    }
}
