package io.hybridfog.mqtt;

import static io.hybridfog.mqtt.testing.Mqtt5Packets.AUTHENTICATION_DATA;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.AUTHENTICATION_METHOD;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.CONTENT_TYPE;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.CORRELATION_DATA;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.MESSAGE_EXPIRY_INTERVAL;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.RECEIVE_MAXIMUM;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.RESPONSE_TOPIC;
import static io.hybridfog.mqtt.testing.Mqtt5Packets.TOPIC_ALIAS_MAXIMUM;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.hybridfog.mqtt.testing.Mqtt5Packets;
import io.hybridfog.mqtt.testing.Mqtt5Packets.Properties;
import java.util.Arrays;
import org.eclipse.paho.mqttv5.common.packet.MqttAuth;
import org.eclipse.paho.mqttv5.common.packet.MqttConnAck;
import org.eclipse.paho.mqttv5.common.packet.MqttConnect;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.MqttWireMessage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The Paho MQTT v5 client as HybridFog ships it (bundles/paho-osgi, patched 1.2.5; see its PATCHES.md) decodes every
 * two-byte length and integer of MQTT 5 as unsigned (§1.5.2, §1.5.6) at the boundaries 32,767 / 32,768 / 65,535, and
 * keeps the packet identifier of a PUBLISH it cannot decode, so that the message can be acknowledged and dropped.
 * Upstream 1.2.5 threw NegativeArraySizeException (correlation and authentication data) or decoded negative values
 * (receive maximum, topic alias maximum) from 32,768 on.
 */
class PahoDecodingBoundariesTest {
    private static final byte[] TOPIC = "hybridfog/samples/dev-1".getBytes(UTF_8);

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 32_767, 32_768, 65_535})
    void correlationDataOfEveryLength(int length) throws Exception {
        byte[] data = new byte[length];
        Arrays.fill(data, (byte) 0xA5);
        MqttPublish p = publish(new Properties().binary(CORRELATION_DATA, data), "payload".getBytes(UTF_8));
        assertNull(p.getDecodeFailure());
        assertArrayEquals(data, p.getProperties().getCorrelationData());
        assertEquals(4711, p.getMessageId());
        assertArrayEquals("payload".getBytes(UTF_8), p.getPayload());
    }

    @ParameterizedTest
    @ValueSource(ints = {32_767, 32_768, 65_535})
    void stringsAndUserPropertiesOfEveryLength(int length) throws Exception {
        String s = Mqtt5Packets.ofLength(length);
        MqttPublish p = publish(new Properties().string(CONTENT_TYPE, s).string(RESPONSE_TOPIC, s).userProperty(s, s)
                .fourByteInteger(MESSAGE_EXPIRY_INTERVAL, 0xFFFF_FFFFL), new byte[] {1});
        assertNull(p.getDecodeFailure());
        assertEquals(s, p.getProperties().getContentType());
        assertEquals(s, p.getProperties().getResponseTopic());
        assertEquals(s, p.getProperties().getUserProperties().get(0).getKey());
        assertEquals(0xFFFF_FFFFL, p.getProperties().getMessageExpiryInterval());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 32_767, 32_768, 65_535})
    void twoByteIntegersOfTheConnAckAreUnsigned(int value) throws Exception {
        MqttConnAck ack = (MqttConnAck) MqttWireMessage.createWireMessage(Mqtt5Packets.connAck(false, 0,
                new Properties().twoByteInteger(RECEIVE_MAXIMUM, value).twoByteInteger(TOPIC_ALIAS_MAXIMUM, value)));
        assertEquals(value, ack.getProperties().getReceiveMaximum());
        assertEquals(value, ack.getProperties().getTopicAliasMaximum());
    }

    @ParameterizedTest
    @ValueSource(ints = {32_767, 32_768, 65_535})
    void authenticationDataOfEveryLength(int length) throws Exception {
        byte[] data = new byte[length];
        Arrays.fill(data, (byte) 7);
        MqttAuth auth = (MqttAuth) MqttWireMessage.createWireMessage(Mqtt5Packets.auth(0x18,
                new Properties().string(AUTHENTICATION_METHOD, "SCRAM").binary(AUTHENTICATION_DATA, data)));
        assertArrayEquals(data, auth.getProperties().getAuthenticationData());
    }

    @ParameterizedTest
    @ValueSource(ints = {32_767, 32_768, 65_535})
    void connectPasswordOfEveryLength(int length) throws Exception {
        String password = Mqtt5Packets.ofLength(length);
        MqttConnect connect = (MqttConnect) MqttWireMessage.createWireMessage(Mqtt5Packets.connect("c", 60, "u", password));
        assertArrayEquals(password.getBytes(UTF_8), connect.getPassword());
    }

    @Test
    void aPublishWithDuplicatedPropertiesKeepsItsPacketIdentifier() throws Exception {
        MqttPublish p = publish(new Properties().string(CONTENT_TYPE, "a").string(CONTENT_TYPE, "b"), new byte[] {1});
        assertNotNull(p.getDecodeFailure());
        assertEquals(4711, p.getMessageId());
        assertEquals("hybridfog/samples/dev-1", p.getTopicName());
    }

    @Test
    void aPublishWithAnUnknownPropertyKeepsItsPacketIdentifier() throws Exception {
        MqttPublish p = publish(new Properties().oneByte(0x7F, 1), new byte[] {1});
        assertNotNull(p.getDecodeFailure());
        assertEquals(4711, p.getMessageId());
    }

    /** Upstream threw IllegalArgumentException (unchecked) out of the receiver thread for such strings. */
    @Test
    void aPublishWithAControlCharacterInAStringKeepsItsPacketIdentifier() throws Exception {
        MqttPublish p = publish(new Properties().string(CONTENT_TYPE, "image/png\u0085"), new byte[] {1});
        assertNotNull(p.getDecodeFailure());
        assertEquals(4711, p.getMessageId());
        MqttPublish badTopic = (MqttPublish) MqttWireMessage.createWireMessage(Mqtt5Packets.publish(
                "hybridfog/samples/dev\u0001".getBytes(UTF_8), 1, 4712, new Properties(), new byte[] {1}));
        assertNotNull(badTopic.getDecodeFailure());
        assertEquals(4712, badTopic.getMessageId());
    }

    @Test
    void aPublishWhosePropertyLengthOverrunsThePacketKeepsItsPacketIdentifier() throws Exception {
        byte[] packet = Mqtt5Packets.publish(TOPIC, 1, 4711, new Properties().string(CONTENT_TYPE, "abc"), new byte[0]);
        byte[] truncated = Arrays.copyOf(packet, packet.length - 2); // the last property bytes are missing
        truncated[1] = (byte) (truncated.length - 2); // remaining length of the shortened packet (< 128: one byte)
        MqttPublish p = (MqttPublish) MqttWireMessage.createWireMessage(truncated);
        assertNotNull(p.getDecodeFailure());
        assertEquals(4711, p.getMessageId());
    }

    private static MqttPublish publish(Properties properties, byte[] payload) throws Exception {
        return (MqttPublish) MqttWireMessage.createWireMessage(Mqtt5Packets.publish(TOPIC, 1, 4711, properties, payload));
    }
}
