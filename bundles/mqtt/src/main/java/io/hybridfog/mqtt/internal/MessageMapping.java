package io.hybridfog.mqtt.internal;

import io.hybridfog.api.transport.BusMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/** Maps {@link BusMessage} to and from Paho's MQTT 5 message and properties. */
public final class MessageMapping {
    public static final int QOS = 1;
    private static final byte[] EMPTY = new byte[0];

    private MessageMapping() {
    }

    /** A QoS 1, non-retained message carrying response topic, correlation data, content type and user properties. */
    public static MqttMessage toPaho(BusMessage m) {
        MqttProperties p = new MqttProperties();
        if (m.responseTopic() != null) {
            p.setResponseTopic(m.responseTopic());
        }
        if (m.correlationData() != null) {
            p.setCorrelationData(m.correlationData());
        }
        if (m.contentType() != null) {
            p.setContentType(m.contentType());
        }
        if (!m.userProperties().isEmpty()) {
            List<UserProperty> ups = new ArrayList<>(m.userProperties().size());
            m.userProperties().forEach((k, v) -> ups.add(new UserProperty(k, v)));
            p.setUserProperties(ups);
        }
        return new MqttMessage(m.payload() == null ? EMPTY : m.payload(), QOS, false, p);
    }

    /**
     * Size in bytes of the PUBLISH packet Paho would send for this message (fixed header, variable header with the
     * properties and a packet identifier, payload), to compare with the broker's Maximum Packet Size.
     *
     * @throws IllegalArgumentException if Paho cannot encode the message (e.g. a property too long)
     */
    public static long packetSize(String topic, MqttMessage message) {
        try {
            MqttPublish publish = new MqttPublish(topic, message, message.getProperties());
            publish.setMessageId(1); // QoS 1: a packet identifier is part of the variable header
            long remaining = (long) publish.getHeader().length + publish.getPayload().length;
            return 1 + MqttPublish.encodeVariableByteInteger((int) Math.min(remaining, Integer.MAX_VALUE)).length + remaining;
        } catch (MqttException | RuntimeException e) {
            throw new IllegalArgumentException("cannot encode a message to " + topic + ": " + e.getMessage(), e);
        }
    }

    /**
     * The bus view of a received message. MQTT allows a user property key to repeat; the map keeps the
     * last value of each key.
     */
    public static BusMessage fromPaho(String topic, MqttMessage m) {
        MqttProperties p = m.getProperties();
        if (p == null) {
            return new BusMessage(topic, m.getPayload(), null, null, null, Map.of());
        }
        Map<String, String> ups = Map.of();
        List<UserProperty> list = p.getUserProperties();
        if (list != null && !list.isEmpty()) {
            ups = new LinkedHashMap<>();
            for (UserProperty u : list) {
                ups.put(u.getKey(), u.getValue());
            }
        }
        return new BusMessage(topic, m.getPayload(), p.getResponseTopic(), p.getCorrelationData(), p.getContentType(), ups);
    }
}
