package io.hybridfog.cluster;

import java.net.URL;
import java.util.concurrent.CountDownLatch;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;

/**
 * One node of a two-node ActiveMQ Artemis cluster, run as its own JVM by {@link BrokerCluster} so that a test can
 * kill it (SIGKILL) like a crashed machine. Its configuration is {@code artemis/broker.xml} of the test resources
 * (the file docs/broker-cluster.md shows): an MQTT acceptor, a core acceptor for the other node, a cluster connection
 * with {@code ON_DEMAND} load balancing, redistribution delay 0, persistence on. The node's values come as the
 * system properties that file names ({@code hybridfog.node.name}, {@code hybridfog.mqtt.port}, ...). Prints
 * {@code node <name> ready} once started; stops on SIGTERM.
 */
public final class ArtemisNode {
    private ArtemisNode() {
    }

    public static void main(String[] args) throws Exception {
        String name = System.getProperty("hybridfog.node.name");
        URL config = ArtemisNode.class.getResource("/artemis/broker.xml");
        if (name == null || config == null) {
            System.err.println("usage: java -Dhybridfog.node.name=... (the properties of artemis/broker.xml) " + ArtemisNode.class.getName());
            System.exit(2);
        }
        EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
        broker.setConfigResourcePath(config.toString());
        broker.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.stop();
            } catch (Exception e) {
                e.printStackTrace();
            }
            stopped.countDown();
        }));
        System.out.println("node " + name + " ready");
        System.out.flush();
        stopped.await();
    }
}
