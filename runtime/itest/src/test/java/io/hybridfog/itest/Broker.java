package io.hybridfog.itest;

import io.hybridfog.mqtt.testing.MosquittoBroker;
import java.io.IOException;

/**
 * The Mosquitto all tests of this JVM share (bundles/mqtt's test harness: own config, free loopback port).
 * Started on the Pax Exam driver side, before Felix boots; its URL reaches the code inside the framework
 * (same JVM) as the system property {@value #URL_PROPERTY}. Stopped, and its folder deleted, at JVM exit.
 */
final class Broker {
    static final String URL_PROPERTY = "hybridfog.itest.broker.url";
    private static MosquittoBroker broker;

    private Broker() {
    }

    static synchronized String start() throws IOException {
        if (broker == null || !broker.isRunning()) {
            MosquittoBroker b = MosquittoBroker.start();
            Runtime.getRuntime().addShutdownHook(new Thread(b::close, "itest-mosquitto-close"));
            broker = b;
            System.setProperty(URL_PROPERTY, b.url());
        }
        return broker.url();
    }
}
