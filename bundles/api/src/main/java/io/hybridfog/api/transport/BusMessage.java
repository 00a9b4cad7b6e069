package io.hybridfog.api.transport;

import java.util.Map;

/**
 * One MQTT 5 application message.
 *
 * @param topic           topic name
 * @param payload         payload bytes; not copied
 * @param responseTopic   MQTT 5 response topic, or null
 * @param correlationData MQTT 5 correlation data, or null
 * @param contentType     MQTT 5 content type, or null
 * @param userProperties  MQTT 5 user properties; never null (empty if none)
 */
public record BusMessage(String topic, byte[] payload, String responseTopic, byte[] correlationData, String contentType,
                         Map<String, String> userProperties) {

    public BusMessage {
        userProperties = userProperties == null ? Map.of() : Map.copyOf(userProperties);
    }

    public static BusMessage of(String topic, byte[] payload) {
        return new BusMessage(topic, payload, null, null, null, Map.of());
    }
}
