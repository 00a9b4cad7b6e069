package io.hybridfog.mqtt.internal;

import org.eclipse.paho.mqttv5.common.util.MqttTopicValidator;

/** Topic name and filter checks, including MQTT 5 shared subscriptions ({@code $share/<group>/<filter>}). */
public final class TopicFilters {
    private static final String SHARE = "$share/";

    private TopicFilters() {
    }

    /** @throws IllegalArgumentException if the name is empty or holds a wildcard */
    public static void validateTopicName(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            throw new IllegalArgumentException("topic name must not contain wildcards: " + topic);
        }
    }

    /** @throws IllegalArgumentException if the filter (after a {@code $share/<group>/} prefix) is invalid */
    public static void validateFilter(String filter) {
        if (filter == null || filter.isEmpty()) {
            throw new IllegalArgumentException("topic filter must not be empty");
        }
        if (filter.startsWith(SHARE)) {
            int slash = filter.indexOf('/', SHARE.length());
            String group = slash < 0 ? "" : filter.substring(SHARE.length(), slash);
            if (group.isEmpty() || group.contains("+") || group.contains("#") || slash + 1 >= filter.length()) {
                throw new IllegalArgumentException("shared subscription must be $share/<group>/<filter>, got " + filter);
            }
        }
        MqttTopicValidator.validate(unshared(filter), true, true);
    }

    /** The filter without a {@code $share/<group>/} prefix. */
    public static String unshared(String filter) {
        if (!filter.startsWith(SHARE)) {
            return filter;
        }
        int slash = filter.indexOf('/', SHARE.length());
        return slash < 0 ? filter : filter.substring(slash + 1);
    }

    /** True if the topic name matches the filter (a shared filter matches like its inner filter). */
    public static boolean matches(String filter, String topic) {
        return MqttTopicValidator.isMatched(unshared(filter), topic);
    }
}
