package io.hybridfog.mqtt.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A minimal MQTT 5 client over plain TCP that sends byte-exact packets ({@link Mqtt5Packets}) and reads the broker's
 * answer: what a misbehaving device can send through a broker, without a client library's checks in between.
 * One packet in flight at a time; not thread-safe.
 */
public final class RawMqtt5Client implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private int nextPacketId = 1;

    private RawMqtt5Client(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /**
     * Connects (clean start, keep-alive 60 s) and waits for a successful CONNACK.
     *
     * @throws IOException if the connection fails or the broker refuses it (the reason code is in the message)
     */
    public static RawMqtt5Client connect(String host, int port, String clientId, String username, String password)
            throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 5000);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        RawMqtt5Client c = new RawMqtt5Client(s);
        c.out.write(Mqtt5Packets.connect(clientId, 60, username, password));
        c.out.flush();
        Packet ack = c.read();
        if (ack.type() != 2 || ack.body().length < 2 || ack.body()[1] != 0) {
            c.close();
            throw new IOException("CONNACK expected with reason code 0, got packet type " + ack.type()
                    + (ack.body().length >= 2 ? " reason code 0x" + Integer.toHexString(ack.body()[1] & 0xFF) : ""));
        }
        return c;
    }

    /**
     * Publishes at QoS 1 and waits for the PUBACK.
     *
     * @return the PUBACK's reason code (0 success, 0x10 no matching subscribers, 0x80 and above: refused), or -1 if the
     *         broker closed the connection instead (it does so for a packet it considers malformed)
     */
    public int publishQos1(byte[] topic, Mqtt5Packets.Properties properties, byte[] payload) throws IOException {
        int id = nextPacketId;
        nextPacketId = nextPacketId % 0xFFFF + 1;
        out.write(Mqtt5Packets.publish(topic, 1, id, properties, payload));
        out.flush();
        Packet p;
        try {
            p = read();
        } catch (EOFException closed) {
            return -1;
        }
        if (p.type() == 14) {
            return -1; // DISCONNECT from the broker
        }
        if (p.type() != 4 || p.body().length < 2) {
            throw new IOException("PUBACK expected, got packet type " + p.type());
        }
        int ackedId = ((p.body()[0] & 0xFF) << 8) | (p.body()[1] & 0xFF);
        if (ackedId != id) {
            throw new IOException("PUBACK for packet " + ackedId + ", expected " + id);
        }
        return p.body().length > 2 ? p.body()[2] & 0xFF : 0;
    }

    private record Packet(int type, byte[] body) {
    }

    private Packet read() throws IOException {
        int first = in.readUnsignedByte();
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.readUnsignedByte();
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        byte[] body = new byte[length];
        in.readFully(body);
        return new Packet(first >> 4, body);
    }

    @Override
    public void close() throws IOException {
        try {
            out.write(Mqtt5Packets.disconnect());
            out.flush();
        } catch (IOException ignored) {
            // closing anyway
        } finally {
            socket.close();
        }
    }
}
