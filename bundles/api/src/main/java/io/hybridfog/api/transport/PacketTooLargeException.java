package io.hybridfog.api.transport;

import java.io.IOException;

/**
 * A message that cannot be published because its MQTT packet would exceed the maximum packet size the broker
 * announced (MQTT 5 CONNACK property Maximum Packet Size; Mosquitto's {@code max_packet_size}). Sending it anyway
 * would make the broker drop the connection; it is refused before it is sent.
 */
public class PacketTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long packetBytes;
    private final long maximumBytes;

    /**
     * @param packetBytes  size of the MQTT PUBLISH packet, bytes
     * @param maximumBytes the broker's maximum packet size, bytes
     */
    public PacketTooLargeException(String topic, long packetBytes, long maximumBytes) {
        super("message to " + topic + " is a " + packetBytes + "-byte MQTT packet; the broker accepts at most "
                + maximumBytes + " bytes (its maximum packet size)");
        this.packetBytes = packetBytes;
        this.maximumBytes = maximumBytes;
    }

    public long packetBytes() {
        return packetBytes;
    }

    public long maximumBytes() {
        return maximumBytes;
    }
}
