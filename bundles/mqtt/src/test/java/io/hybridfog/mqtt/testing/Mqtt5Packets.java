package io.hybridfog.mqtt.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Byte-exact MQTT 5 packets (OASIS MQTT 5.0, chapters 2 and 3) for tests that must send what a client library would
 * refuse or encode differently: properties at their size limits, duplicated or unknown properties, any string bytes.
 * Lengths are written as unsigned Two Byte Integers and Variable Byte Integers as the standard defines them (§1.5).
 */
public final class Mqtt5Packets {
    public static final int PAYLOAD_FORMAT_INDICATOR = 0x01;
    public static final int MESSAGE_EXPIRY_INTERVAL = 0x02;
    public static final int CONTENT_TYPE = 0x03;
    public static final int RESPONSE_TOPIC = 0x08;
    public static final int CORRELATION_DATA = 0x09;
    public static final int AUTHENTICATION_METHOD = 0x15;
    public static final int AUTHENTICATION_DATA = 0x16;
    public static final int RECEIVE_MAXIMUM = 0x21;
    public static final int TOPIC_ALIAS_MAXIMUM = 0x22;
    public static final int USER_PROPERTY = 0x26;

    private Mqtt5Packets() {
    }

    /** A property list under construction, in wire order; {@link #bytes()} prefixes its Variable Byte Integer length. */
    public static final class Properties {
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(body);

        public Properties oneByte(int id, int value) {
            return write(() -> {
                out.writeByte(id);
                out.writeByte(value);
            });
        }

        public Properties twoByteInteger(int id, int value) {
            return write(() -> {
                out.writeByte(id);
                out.writeShort(value);
            });
        }

        public Properties fourByteInteger(int id, long value) {
            return write(() -> {
                out.writeByte(id);
                out.writeInt((int) value);
            });
        }

        /** A UTF-8 string or binary data property: unsigned two-byte length, then the bytes as given. */
        public Properties binary(int id, byte[] value) {
            return write(() -> {
                out.writeByte(id);
                lengthPrefixed(out, value);
            });
        }

        public Properties string(int id, String value) {
            return binary(id, value.getBytes(UTF_8));
        }

        public Properties userProperty(String key, String value) {
            return write(() -> {
                out.writeByte(USER_PROPERTY);
                lengthPrefixed(out, key.getBytes(UTF_8));
                lengthPrefixed(out, value.getBytes(UTF_8));
            });
        }

        /** The encoded list: Variable Byte Integer length, then the properties. */
        public byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            writeVariableByteInteger(all, body.size());
            all.writeBytes(body.toByteArray());
            return all.toByteArray();
        }

        private Properties write(IoAction action) {
            try {
                action.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    /** PUBLISH (§3.3): topic bytes as given (no validation), packet identifier when qos &gt; 0. */
    public static byte[] publish(byte[] topic, int qos, int packetId, Properties properties, byte[] payload) {
        ByteArrayOutputStream variable = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(variable);
        try {
            lengthPrefixed(out, topic);
            if (qos > 0) {
                out.writeShort(packetId);
            }
            out.write(properties.bytes());
            out.write(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return packet(0x30 | (qos << 1), variable.toByteArray());
    }

    /** CONNECT (§3.1): clean start, no will; username and password when not null. */
    public static byte[] connect(String clientId, int keepAliveS, String username, String password) {
        ByteArrayOutputStream variable = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(variable);
        try {
            lengthPrefixed(out, "MQTT".getBytes(UTF_8));
            out.writeByte(5);
            out.writeByte(0x02 | (username != null ? 0x80 : 0) | (password != null ? 0x40 : 0));
            out.writeShort(keepAliveS);
            out.write(new Properties().bytes());
            lengthPrefixed(out, clientId.getBytes(UTF_8));
            if (username != null) {
                lengthPrefixed(out, username.getBytes(UTF_8));
            }
            if (password != null) {
                lengthPrefixed(out, password.getBytes(UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return packet(0x10, variable.toByteArray());
    }

    /** CONNACK (§3.2) as a broker sends it: session present flag, reason code, properties. */
    public static byte[] connAck(boolean sessionPresent, int reasonCode, Properties properties) {
        ByteArrayOutputStream variable = new ByteArrayOutputStream();
        variable.write(sessionPresent ? 1 : 0);
        variable.write(reasonCode);
        variable.writeBytes(properties.bytes());
        return packet(0x20, variable.toByteArray());
    }

    /** AUTH (§3.15): reason code and properties. */
    public static byte[] auth(int reasonCode, Properties properties) {
        ByteArrayOutputStream variable = new ByteArrayOutputStream();
        variable.write(reasonCode);
        variable.writeBytes(properties.bytes());
        return packet(0xF0, variable.toByteArray());
    }

    /** DISCONNECT (§3.14) with reason code 0 (normal disconnection). */
    public static byte[] disconnect() {
        return new byte[] {(byte) 0xE0, 0};
    }

    /** Fixed header (type and flags, Variable Byte Integer remaining length) followed by {@code rest}. */
    public static byte[] packet(int firstByte, byte[] rest) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(firstByte);
        writeVariableByteInteger(all, rest.length);
        all.writeBytes(rest);
        return all.toByteArray();
    }

    /** A string of {@code n} bytes of 'x' (UTF-8 one byte each). */
    public static String ofLength(int n) {
        return "x".repeat(n);
    }

    private static void lengthPrefixed(DataOutputStream out, byte[] value) throws IOException {
        if (value.length > 0xFFFF) {
            throw new IllegalArgumentException(value.length + " bytes: an MQTT string or binary data holds at most 65,535");
        }
        out.writeShort(value.length);
        out.write(value);
    }

    /** §1.5.5: 7 bits per byte, least significant group first, continuation bit 0x80. */
    static void writeVariableByteInteger(ByteArrayOutputStream out, int value) {
        do {
            int digit = value % 128;
            value /= 128;
            out.write(value > 0 ? digit | 0x80 : digit);
        } while (value > 0);
    }
}
