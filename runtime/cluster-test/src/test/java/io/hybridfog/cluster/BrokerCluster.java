package io.hybridfog.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A two-node Artemis cluster on loopback, each node an {@link ArtemisNode} child JVM with its own data folder, MQTT
 * port and cluster port (free ports picked at start). Nodes are numbered 1 and 2; {@link #kill} and {@link #restart}
 * act on one node (same ports and data folder after a restart).
 */
final class BrokerCluster implements AutoCloseable {
    /** Logged by Artemis when a cluster bridge to the other node is up (AMQ221027). */
    private static final String BRIDGE_CONNECTED = "AMQ221027";
    private final Path dataRoot;
    private final int[] mqttPorts = new int[2];
    private final int[] clusterPorts = new int[2];
    private final Node[] nodes = new Node[2];

    private BrokerCluster(Path dataRoot) throws IOException {
        this.dataRoot = dataRoot;
        for (int i = 0; i < 2; i++) {
            mqttPorts[i] = freePort();
            clusterPorts[i] = freePort();
        }
    }

    /** Starts both nodes and waits (up to 60 s) until each has its cluster bridge to the other up. */
    static BrokerCluster start(Path dataRoot) throws IOException, InterruptedException {
        BrokerCluster c = new BrokerCluster(dataRoot);
        // a test JVM that is killed (surefire timeout) must not leave broker JVMs behind
        Runtime.getRuntime().addShutdownHook(new Thread(c::killAll, "broker-cluster-cleanup"));
        try {
            c.nodes[0] = c.launch(1);
            c.nodes[1] = c.launch(2);
            c.awaitClustered(1, 60_000);
            c.awaitClustered(2, 60_000);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** {@code tcp://127.0.0.1:<port>} of node 1 or 2's MQTT acceptor. */
    String url(int node) {
        return "tcp://127.0.0.1:" + mqttPorts[node - 1];
    }

    /** SIGKILL: the node stops at once, as on a power cut (its journal keeps what it had persisted). */
    void kill(int node) throws InterruptedException {
        nodes[node - 1].process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts a killed node again on its ports and data folder; waits until it is clustered with the other again. */
    void restart(int node) throws IOException, InterruptedException {
        int other = 3 - node;
        int bridgesBefore = nodes[other - 1].count(BRIDGE_CONNECTED);
        nodes[node - 1] = launch(node);
        awaitClustered(node, 60_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (nodes[other - 1].count(BRIDGE_CONNECTED) <= bridgesBefore && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** Process id of node 1 or 2's JVM. */
    long pid(int node) {
        return nodes[node - 1].process.pid();
    }

    /** What node 1 or 2 printed (its Artemis log). */
    String output(int node) {
        return nodes[node - 1] == null ? "" : nodes[node - 1].output.toString();
    }

    private Node launch(int node) throws IOException, InterruptedException {
        Path data = Files.createDirectories(dataRoot.resolve("node-" + node));
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-Dhybridfog.node.name=node-" + node,
                "-Dhybridfog.bind.host=127.0.0.1", "-Dhybridfog.mqtt.port=" + mqttPorts[node - 1],
                "-Dhybridfog.cluster.port=" + clusterPorts[node - 1], "-Dhybridfog.peer.host=127.0.0.1",
                "-Dhybridfog.peer.port=" + clusterPorts[2 - node], "-Dhybridfog.data.dir=" + data, "-cp", classPath,
                ArtemisNode.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        Node n = new Node(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (n.output.indexOf("node node-" + node + " ready") < 0) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("broker node " + node + " did not start:\n" + n.output);
            }
            Thread.sleep(50);
        }
        return n;
    }

    private void awaitClustered(int node, long timeoutMs) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (nodes[node - 1].count(BRIDGE_CONNECTED) == 0) {
            if (System.nanoTime() > deadline) {
                throw new IOException("node " + node + " did not join the cluster:\n" + output(node));
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Node n : nodes) {
            if (n != null && n.process.isAlive()) {
                n.process.destroy();
                if (!n.process.waitFor(20, TimeUnit.SECONDS)) {
                    n.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    private void killAll() {
        for (Node n : nodes) {
            if (n != null) {
                n.process.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A node's JVM and everything it printed. */
    private static final class Node {
        final Process process;
        final StringBuffer output = new StringBuffer();

        Node(Process process) {
            this.process = process;
            Thread pump = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        output.append(line).append('\n');
                    }
                } catch (IOException ignored) {
                    // process ended
                }
            }, "broker-output-" + process.pid());
            pump.setDaemon(true);
            pump.start();
        }

        int count(String text) {
            int n = 0;
            for (int i = output.indexOf(text); i >= 0; i = output.indexOf(text, i + 1)) {
                n++;
            }
            return n;
        }
    }
}
