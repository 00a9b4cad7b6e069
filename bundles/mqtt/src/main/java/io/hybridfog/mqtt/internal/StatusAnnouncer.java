package io.hybridfog.mqtt.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The client's retained status on {@code status.topic}: {@code {"clientId":"..","state":"online"}} after each connect,
 * {@code "offline"} as the last will (the broker sends it when the connection is lost) and on a graceful close (a
 * graceful disconnect does not send the will). Does nothing when no status topic is configured.
 */
final class StatusAnnouncer {
    private static final System.Logger LOG = System.getLogger(StatusAnnouncer.class.getName());
    private static final JsonFactory JSON = new JsonFactory();

    private final String topic;
    private final String clientId;

    /** @param topic the status topic, or null for none */
    StatusAnnouncer(String topic, String clientId) {
        this.topic = topic;
        this.clientId = clientId;
    }

    /** Sets the offline message as the connection's will. */
    void addWill(MqttConnectionOptions options) {
        if (topic != null) {
            options.setWill(topic, message("offline"));
        }
    }

    /** Publishes the online status (asynchronously); a failure is logged. */
    void online(MqttAsyncClient client) {
        if (topic == null) {
            return;
        }
        try {
            client.publish(topic, message("online"));
        } catch (MqttException | RuntimeException e) {
            LOG.log(Level.WARNING, "online status of " + clientId + " not published: " + e);
        }
    }

    /** Publishes the offline status and waits up to {@code waitMs} for its PUBACK, if connected. */
    void offline(MqttAsyncClient client, long waitMs) {
        if (topic == null) {
            return;
        }
        try {
            if (client.isConnected()) {
                client.publish(topic, message("offline")).waitForCompletion(waitMs);
            }
        } catch (MqttException | RuntimeException e) {
            LOG.log(Level.DEBUG, "offline status of " + clientId + " not published: " + e);
        }
    }

    /** Retained QoS 1 {@code {"clientId":"..","state":".."}}, content type application/json. */
    private MqttMessage message(String state) {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(json)) {
            g.writeStartObject();
            g.writeStringField("clientId", clientId);
            g.writeStringField("state", state);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to memory cannot fail", e);
        }
        MqttProperties p = new MqttProperties();
        p.setContentType("application/json");
        return new MqttMessage(json.toByteArray(), MessageMapping.QOS, true, p);
    }
}
