package io.hybridfog.cloud.internal;

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
}
