package io.hybridfog.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class NoDelaySocketFactoryTest {

    @Test
    void socketsPahoCreatesHaveTcpNoDelay() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // Paho's TCP module: createSocket() unconnected, then connect()
            try (Socket s = new NoDelaySocketFactory().createSocket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 2000);
                assertTrue(s.getTcpNoDelay());
            }
            try (Socket s = new NoDelaySocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                assertTrue(s.getTcpNoDelay());
            }
            try (Socket s = new NoDelaySslSocketFactory().createSocket()) {
                assertTrue(s.getTcpNoDelay());
            }
        }
    }
}
