package io.hybridfog.edge.internal;

import java.util.Map;

/**
 * Reads typed values from a ConfigAdmin dictionary. Accepts the declared type or its string form (FileInstall
 * .cfg files deliver strings); anything else fails with a {@link SettingException} naming the key.
 */
final class ConfigValues {
    private final Map<String, ?> props;

    ConfigValues(Map<String, ?> props) {
        this.props = props;
    }

    /** The trimmed string, or {@code def} if absent or blank. */
    String string(String key, String def) {
        Object v = props.get(key);
        if (v == null) {
            return def;
        }
        String s = String.valueOf(v).trim();
        return s.isEmpty() ? def : s;
    }

    long longValue(String key, long def) {
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

    int integer(String key, int def) {
        long v = longValue(key, def);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new SettingException(key, "out of range: " + v);
        }
        return (int) v;
    }

    /** A number, or null if absent or blank; NaN is rejected. */
    Double optionalDouble(String key) {
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
}
