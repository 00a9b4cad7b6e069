package io.hybridfog.cluster;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.apache.activemq.artemis.core.config.ClusterConnectionConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.cluster.impl.MessageLoadBalancingType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

/**
 * One node of a two-node ActiveMQ Artemis cluster, run as its own JVM by {@link BrokerCluster} so that a test can
 * kill it (SIGKILL) like a crashed machine. The same settings as docs/broker-cluster.md's broker.xml:
 * <ul>
 * <li>an MQTT acceptor on {@code 127.0.0.1:<mqtt port>} (TCP_NODELAY, no topic aliases: Paho 1.2.5 breaks on them),
 * a core acceptor on {@code 127.0.0.1:<cluster port>} for the other node;</li>
 * <li>a cluster connection to the peer's core acceptor with message load balancing {@code ON_DEMAND}: a message goes
 * to the nodes whose matching queue has consumers, round-robin between the local queue and the remote ones of the
 * same name, which is what spreads an MQTT 5 shared subscription ({@code $share/<group>/...}: one queue named after
 * the group on every node) across the nodes;</li>
 * <li>redistribution delay 0: messages left in a queue whose last local consumer went away move to a node that has
 * one;</li>
 * <li>persistence on (NIO journal in the data folder), so a restarted node keeps its MQTT sessions and queued
 * messages.</li>
 * </ul>
 * Prints {@code node <name> ready} once started; stops on SIGTERM.
 *
 * <pre>java -cp ... io.hybridfog.cluster.ArtemisNode NAME MQTT_PORT CLUSTER_PORT PEER_CLUSTER_PORT DATA_DIR</pre>
 */
public final class ArtemisNode {
    /** Cluster bridge: retry every 500 ms, give the peer up after 10 tries (then its remote bindings go away). */
    static final long RETRY_INTERVAL_MS = 500;
    static final int RECONNECT_ATTEMPTS = 10;

    private ArtemisNode() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: ArtemisNode NAME MQTT_PORT CLUSTER_PORT PEER_CLUSTER_PORT DATA_DIR");
            System.exit(2);
        }
        String name = args[0];
        EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
        broker.setConfiguration(configuration(name, Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]), Path.of(args[4])));
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

    static Configuration configuration(String name, int mqttPort, int clusterPort, int peerClusterPort, Path data)
            throws Exception {
        Configuration c = new ConfigurationImpl()
                .setName(name)
                .setSecurityEnabled(false) // loopback test cluster; docs/broker-cluster.md covers accounts and TLS
                .setPersistenceEnabled(true)
                .setJournalType(JournalType.NIO)
                .setJournalDirectory(data.resolve("journal").toString())
                .setBindingsDirectory(data.resolve("bindings").toString())
                .setPagingDirectory(data.resolve("paging").toString())
                .setLargeMessagesDirectory(data.resolve("large-messages").toString())
                .setNodeManagerLockDirectory(data.toString())
                .setClusterUser("hybridfog-cluster")
                .setClusterPassword("loopback-test-cluster");
        c.addAcceptorConfiguration("mqtt", "tcp://127.0.0.1:" + mqttPort
                + "?protocols=MQTT;tcpNoDelay=true;topicAliasMaximum=0");
        c.addAcceptorConfiguration("cluster", "tcp://127.0.0.1:" + clusterPort + "?protocols=CORE;tcpNoDelay=true");
        c.addConnectorConfiguration("self", "tcp://127.0.0.1:" + clusterPort);
        c.addConnectorConfiguration("peer", "tcp://127.0.0.1:" + peerClusterPort);
        c.addClusterConfiguration(new ClusterConnectionConfiguration()
                .setName("hybridfog")
                .setConnectorName("self")
                .setStaticConnectors(List.of("peer"))
                .setMessageLoadBalancingType(MessageLoadBalancingType.ON_DEMAND)
                .setMaxHops(1)
                .setRetryInterval(RETRY_INTERVAL_MS)
                .setReconnectAttempts(RECONNECT_ATTEMPTS));
        c.addAddressSetting("#", new AddressSettings().setRedistributionDelay(0));
        return c;
    }
}
