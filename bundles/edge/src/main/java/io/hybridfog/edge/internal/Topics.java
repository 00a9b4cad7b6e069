package io.hybridfog.edge.internal;

import io.hybridfog.config.SettingException;

/** MQTT topic syntax checks and helpers for the gateway's topics. */
final class Topics {
    private Topics() {
    }

    /** @throws SettingException if the prefix is empty or holds a wildcard */
    static void checkPrefix(String key, String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new SettingException(key, "must not be empty");
        }
        if (prefix.indexOf('+') >= 0 || prefix.indexOf('#') >= 0) {
            throw new SettingException(key, "must not contain wildcards (+, #), got '" + prefix + "'");
        }
    }

    /** @throws SettingException if the value is not usable as one topic level (empty, '/', '+', '#') */
    static void checkLevel(String key, String level) {
        if (level == null || level.isEmpty()) {
            throw new SettingException(key, "required");
        }
        if (level.indexOf('/') >= 0 || level.indexOf('+') >= 0 || level.indexOf('#') >= 0) {
            throw new SettingException(key, "must be a single topic level without '/', '+' or '#', got '" + level + "'");
        }
    }

    /** @throws SettingException if the filter is not a valid MQTT topic filter */
    static void checkFilter(String key, String filter) {
        if (filter == null || filter.isEmpty()) {
            throw new SettingException(key, "must not be empty");
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String l = levels[i];
            if (l.contains("#") && (!l.equals("#") || i != levels.length - 1)) {
                throw new SettingException(key, "'#' must be the last level on its own, got '" + filter + "'");
            }
            if (l.contains("+") && !l.equals("+")) {
                throw new SettingException(key, "'+' must be a level on its own, got '" + filter + "'");
            }
        }
    }

    /** The last level of a topic name: the device id of {@code hybridfog/samples/<deviceId>}. */
    static String lastLevel(String topic) {
        int slash = topic.lastIndexOf('/');
        return slash < 0 ? topic : topic.substring(slash + 1);
    }
}
