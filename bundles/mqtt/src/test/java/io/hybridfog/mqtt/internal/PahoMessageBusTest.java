package io.hybridfog.mqtt.internal;

import io.hybridfog.mqtt.MqttBusSettings;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.Subscription;
import io.hybridfog.mqtt.testing.MosquittoBroker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PahoMessageBus against a real Mosquitto 2 on a private loopback port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PahoMessageBusTest {
    private static MosquittoBroker broker;
    private final List<PahoMessageBus> buses = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws IOException {
        // Mosquitto's default Receive Maximum (max_inflight_messages) is 20; made explicit for the window test.
        broker = MosquittoBroker.start(List.of("max_inflight_messages 20"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @AfterEach
    void closeBuses() {
        buses.forEach(PahoMessageBus::close);
    }

    private PahoMessageBus bus(String clientId) throws InterruptedException {
        PahoMessageBus b = new PahoMessageBus(MqttBusSettings.of(broker.url(), clientId).withConnectTimeoutS(5));
        buses.add(b);
        b.start();
        assertTrue(b.awaitConnected(5_000), () -> clientId + " did not connect; broker log:\n" + broker.log());
        return b;
    }

    @Test
    void roundTripCarriesMqtt5Properties() throws Exception {
        PahoMessageBus sub = bus("rt-sub");
        PahoMessageBus pub = bus("rt-pub");
        BlockingQueue<BusMessage> got = new LinkedBlockingQueue<>();
        sub.subscribe("rt/+/data", got::add);
        byte[] payload = {0, 1, 2, (byte) 0xff};
        BusMessage sent = new BusMessage("rt/dev-7/data", payload, "rt/replies/x", "corr-1".getBytes(UTF_8),
                "application/octet-stream", Map.of("model", "m", "k2", "v ü"));
        pub.publish(sent).get(5, TimeUnit.SECONDS);
        BusMessage m = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(m, "no message");
        assertEquals("rt/dev-7/data", m.topic());
        assertArrayEquals(payload, m.payload());
        assertEquals("rt/replies/x", m.responseTopic());
        assertArrayEquals("corr-1".getBytes(UTF_8), m.correlationData());
        assertEquals("application/octet-stream", m.contentType());
        assertEquals(Map.of("model", "m", "k2", "v ü"), m.userProperties());

        pub.publish(BusMessage.of("rt/dev-8/data", new byte[0])).get(5, TimeUnit.SECONDS);
        BusMessage plain = got.poll(5, TimeUnit.SECONDS);
        assertNotNull(plain);
        assertNull(plain.responseTopic());
        assertNull(plain.correlationData());
        assertNull(plain.contentType());
        assertEquals(Map.of(), plain.userProperties());
        assertEquals(0, plain.payload().length);
    }

    @Test
    void sharedSubscriptionSplitsMessagesBetweenTwoBuses() throws Exception {
        PahoMessageBus a = bus("share-a");
        PahoMessageBus b = bus("share-b");
        PahoMessageBus pub = bus("share-pub");
        Set<String> seenA = ConcurrentHashMap.newKeySet();
        Set<String> seenB = ConcurrentHashMap.newKeySet();
        AtomicInteger total = new AtomicInteger();
        a.subscribe("$share/g/share/+", m -> { seenA.add(new String(m.payload(), UTF_8)); total.incrementAndGet(); });
        b.subscribe("$share/g/share/+", m -> { seenB.add(new String(m.payload(), UTF_8)); total.incrementAndGet(); });
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            acks.add(pub.publish(BusMessage.of("share/t", String.valueOf(i).getBytes(UTF_8))));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        waitUntil(() -> total.get() >= 100, 10_000);
        Thread.sleep(200); // a duplicate would arrive now
        assertEquals(100, total.get(), "each message exactly once across the group");
        assertEquals(100, seenA.size() + seenB.size());
        assertTrue(seenA.size() > 0 && seenB.size() > 0, "split " + seenA.size() + "/" + seenB.size());
    }

    @Test
    void requestResponseWithCorrelationData() throws Exception {
        PahoMessageBus server = bus("rr-server");
        PahoMessageBus client = bus("rr-client");
        server.subscribe("rr/requests", req -> server.publish(new BusMessage(req.responseTopic(),
                ("echo:" + new String(req.payload(), UTF_8)).getBytes(UTF_8), null, req.correlationData(), "text/plain", Map.of())));
        Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
        client.subscribe("rr/replies/" + client.clientId(), rep ->
                pending.remove(new String(rep.correlationData(), UTF_8)).complete(new String(rep.payload(), UTF_8)));
        for (int i = 0; i < 20; i++) {
            String key = "req-" + i;
            CompletableFuture<String> f = new CompletableFuture<>();
            pending.put(key, f);
            client.publish(new BusMessage("rr/requests", ("p" + i).getBytes(UTF_8), "rr/replies/" + client.clientId(),
                    key.getBytes(UTF_8), null, Map.of()));
            assertEquals("echo:p" + i, f.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void manyConcurrentPublishesRespectTheBrokersReceiveMaximum() throws Exception {
        PahoMessageBus sub = bus("burst-sub");
        PahoMessageBus pub = bus("burst-pub");
        assertEquals(20, pub.inflightWindow(), "window = min(max.inflight 100, Mosquitto Receive Maximum 20)");
        AtomicInteger got = new AtomicInteger();
        sub.subscribe("burst/t", m -> got.incrementAndGet());
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            acks.add(pub.publish(BusMessage.of("burst/t", new byte[64])));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        waitUntil(() -> got.get() >= 3000, 15_000);
        assertEquals(3000, got.get());
    }

    @Test
    void subscriptionCloseStopsDeliveryOnlyForThatHandler() throws Exception {
        PahoMessageBus sub = bus("close-sub");
        PahoMessageBus pub = bus("close-pub");
        BlockingQueue<String> first = new LinkedBlockingQueue<>();
        BlockingQueue<String> second = new LinkedBlockingQueue<>();
        Subscription s1 = sub.subscribe("close/t", m -> first.add("x"));
        Subscription s2 = sub.subscribe("close/t", m -> second.add("x"));
        pub.publish(BusMessage.of("close/t", new byte[1])).get(5, TimeUnit.SECONDS);
        assertNotNull(first.poll(5, TimeUnit.SECONDS));
        assertNotNull(second.poll(5, TimeUnit.SECONDS));
        s1.close();
        pub.publish(BusMessage.of("close/t", new byte[1])).get(5, TimeUnit.SECONDS);
        assertNotNull(second.poll(5, TimeUnit.SECONDS));
        assertNull(first.poll(300, TimeUnit.MILLISECONDS));
        s2.close();
        s2.close(); // idempotent
    }

    @Test
    void anUnacknowledgedMessageIsRedeliveredToTheNextSessionAndAnAcknowledgedOneIsNot() throws Exception {
        PahoMessageBus pub = bus("ack-pub");
        PahoMessageBus first = bus("ack-sub");
        BlockingQueue<BusMessage> got = new LinkedBlockingQueue<>();
        Subscription sub = first.subscribeAcknowledging("ack/+", (m, ack) -> {
            got.add(m);
            if (new String(m.payload(), UTF_8).equals("done")) {
                ack.acknowledge();
            }
        });
        pub.publish(BusMessage.of("ack/1", "done".getBytes(UTF_8))).get(5, TimeUnit.SECONDS);
        pub.publish(BusMessage.of("ack/2", "pending".getBytes(UTF_8))).get(5, TimeUnit.SECONDS);
        assertNotNull(got.poll(5, TimeUnit.SECONDS));
        assertNotNull(got.poll(5, TimeUnit.SECONDS));
        // stopped without unsubscribing: the subscription and the unacknowledged message stay in the session
        sub.detach();
        pub.publish(BusMessage.of("ack/3", "while-away".getBytes(UTF_8))).get(5, TimeUnit.SECONDS);
        first.close();
        pub.publish(BusMessage.of("ack/4", "while-gone".getBytes(UTF_8))).get(5, TimeUnit.SECONDS);

        PahoMessageBus second = bus("ack-sub");
        Set<String> again = ConcurrentHashMap.newKeySet();
        second.subscribeAcknowledging("ack/+", (m, ack) -> {
            again.add(new String(m.payload(), UTF_8));
            ack.acknowledge();
        });
        waitUntil(() -> again.size() >= 3, 5_000);
        Thread.sleep(300);
        assertEquals(Set.of("pending", "while-away", "while-gone"), again, "redelivered to the resumed session");
    }

    @Test
    void subscribeFromAHandlerFailsClearlyInsteadOfDeadlocking() throws Exception {
        PahoMessageBus sub = bus("reentrant-sub");
        PahoMessageBus pub = bus("reentrant-pub");
        AtomicReference<Throwable> error = new AtomicReference<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        sub.subscribe("reentrant/t", m -> {
            try {
                sub.subscribe("reentrant/other", x -> { });
            } catch (Throwable t) {
                error.set(t);
            }
            done.complete(null);
        });
        pub.publish(BusMessage.of("reentrant/t", new byte[1])).get(5, TimeUnit.SECONDS);
        done.get(5, TimeUnit.SECONDS);
        assertTrue(error.get() instanceof IllegalStateException, String.valueOf(error.get()));
    }

    @Test
    void invalidTopicsAreRejected() throws Exception {
        PahoMessageBus b = bus("invalid");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> b.publish(BusMessage.of("a/+", new byte[0])).get(1, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalArgumentException);
        assertThrows(IllegalArgumentException.class, () -> b.subscribe("a/#/b", m -> { }));
    }

    @Test
    void withoutBrokerPublishFailsAfterThePublishWaitAndSubscribeAfterTheConnectTimeout() throws Exception {
        int deadPort;
        try (MosquittoBroker temp = MosquittoBroker.start()) {
            deadPort = temp.port();
        }
        PahoMessageBus b = new PahoMessageBus(MqttBusSettings.of("tcp://127.0.0.1:" + deadPort, "nobroker")
                .withConnectTimeoutS(1).withPublishWaitS(1));
        buses.add(b);
        b.start();
        long t0 = System.nanoTime();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> b.publish(BusMessage.of("x", new byte[0])).get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("not connected to tcp://127.0.0.1:" + deadPort + " within 1 s"),
                e.getCause().getMessage());
        IOException s = assertThrows(IOException.class, () -> b.subscribe("x", m -> { }));
        assertTrue(s.getMessage().contains("not connected"), s.getMessage());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 6_000);
    }

    @Test
    void startsBeforeTheBrokerAndConnectsWhenItComes() throws Exception {
        try (MosquittoBroker late = MosquittoBroker.start()) {
            late.stop();
            PahoMessageBus b = new PahoMessageBus(MqttBusSettings.of(late.url(), "late").withConnectTimeoutS(2));
            buses.add(b);
            CompletableFuture<Void> firstConnect = new CompletableFuture<>();
            b.onFirstConnect(() -> firstConnect.complete(null));
            b.start();
            Thread.sleep(500);
            assertTrue(!b.isConnected() && !firstConnect.isDone());
            late.startAgain();
            firstConnect.get(10, TimeUnit.SECONDS);
            assertTrue(b.isConnected());
        }
    }

    @Test
    void subscriptionsSurviveABrokerRestart() throws Exception {
        try (MosquittoBroker own = MosquittoBroker.start()) {
            PahoMessageBus sub = new PahoMessageBus(MqttBusSettings.of(own.url(), "restart-sub").withConnectTimeoutS(2));
            PahoMessageBus pub = new PahoMessageBus(MqttBusSettings.of(own.url(), "restart-pub").withConnectTimeoutS(2));
            buses.add(sub);
            buses.add(pub);
            sub.start();
            pub.start();
            assertTrue(sub.awaitConnected(5_000) && pub.awaitConnected(5_000));
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            sub.subscribe("restart/t", m -> got.add(new String(m.payload(), UTF_8)));
            pub.publish(BusMessage.of("restart/t", "before".getBytes(UTF_8))).get(5, TimeUnit.SECONDS);
            assertEquals("before", got.poll(5, TimeUnit.SECONDS));

            own.restart(); // no persistence: the broker forgets sessions and subscriptions
            waitUntil(() -> !sub.isConnected() || !pub.isConnected(), 5_000);
            assertTrue(sub.awaitConnected(20_000), "subscriber did not reconnect:\n" + own.log());
            assertTrue(pub.awaitConnected(20_000), "publisher did not reconnect:\n" + own.log());
            pub.publish(BusMessage.of("restart/t", "after".getBytes(UTF_8))).get(10, TimeUnit.SECONDS);
            assertEquals("after", got.poll(10, TimeUnit.SECONDS), "subscription not restored:\n" + own.log());
        }
    }

    /**
     * broker.url with two brokers: the bus connects to the first, and when that one dies it moves to the second (which
     * never saw it), restores its subscriptions there and publishes there; a publisher given the dead broker first
     * connects to the second.
     */
    @Test
    void withTwoBrokerUrlsTheBusMovesToTheSecondWhenTheFirstDies() throws Exception {
        try (MosquittoBroker first = MosquittoBroker.start(); MosquittoBroker second = MosquittoBroker.start()) {
            String both = first.url() + "," + second.url();
            PahoMessageBus sub = new PahoMessageBus(MqttBusSettings.of(both, "failover-sub").withConnectTimeoutS(2));
            buses.add(sub);
            sub.start();
            assertTrue(sub.awaitConnected(5_000), "did not connect:\n" + first.log());
            assertEquals(first.url(), sub.serverUri());
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            sub.subscribe("failover/t", m -> got.add(new String(m.payload(), UTF_8)));

            first.stop();
            waitUntil(() -> !sub.isConnected(), 5_000);
            assertTrue(sub.awaitConnected(20_000), "did not move to the second broker:\n" + second.log());
            assertEquals(second.url(), sub.serverUri());

            // a publisher whose first URL is dead connects to the second one
            PahoMessageBus pub = new PahoMessageBus(MqttBusSettings.of(both, "failover-pub").withConnectTimeoutS(2));
            buses.add(pub);
            pub.start();
            assertTrue(pub.awaitConnected(10_000), "publisher did not connect to the second broker:\n" + second.log());
            pub.publish(BusMessage.of("failover/t", "on-second".getBytes(UTF_8))).get(10, TimeUnit.SECONDS);
            assertEquals("on-second", got.poll(10, TimeUnit.SECONDS), "subscription not restored on the second broker:\n"
                    + second.log());
        }
    }

    @Test
    void statusTopicIsRetainedOnlineWhileConnectedAndOfflineAfterClose() throws Exception {
        PahoMessageBus watched = new PahoMessageBus(MqttBusSettings.of(broker.url(), "status-gw")
                .withConnectTimeoutS(5).withStatusTopic("status-test/status-gw"));
        buses.add(watched);
        watched.start();
        assertTrue(watched.awaitConnected(5_000));
        PahoMessageBus watcher = bus("status-watcher");
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        watcher.subscribe("status-test/+", m -> got.add(new String(m.payload(), UTF_8)));
        assertEquals("{\"clientId\":\"status-gw\",\"state\":\"online\"}", got.poll(5, TimeUnit.SECONDS), "retained online");
        watched.close();
        assertEquals("{\"clientId\":\"status-gw\",\"state\":\"offline\"}", got.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void aPacketAboveTheBrokersMaximumIsRefusedBeforeSendingAndTheConnectionStays() throws Exception {
        try (MosquittoBroker small = MosquittoBroker.start(List.of("max_packet_size 4096"))) {
            PahoMessageBus b = new PahoMessageBus(MqttBusSettings.of(small.url(), "big-pub").withConnectTimeoutS(5));
            buses.add(b);
            b.start();
            assertTrue(b.awaitConnected(5_000));
            BlockingQueue<BusMessage> got = new LinkedBlockingQueue<>();
            b.subscribe("big/t", got::add);
            assertEquals(4096L, b.serverMaximumPacketSize());
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> b.publish(BusMessage.of("big/t", new byte[5000])).get(5, TimeUnit.SECONDS));
            io.hybridfog.api.transport.PacketTooLargeException tooLarge =
                    (io.hybridfog.api.transport.PacketTooLargeException) e.getCause();
            assertTrue(tooLarge.packetBytes() > 5000 && tooLarge.maximumBytes() == 4096, tooLarge.getMessage());
            // just under the limit goes through, and the connection was never dropped
            int fits = 4096;
            while (MessageMapping.packetSize("big/t", MessageMapping.toPaho(BusMessage.of("big/t", new byte[fits]))) > 4096) {
                fits--;
            }
            b.publish(BusMessage.of("big/t", new byte[fits])).get(5, TimeUnit.SECONDS);
            assertEquals(fits, got.poll(5, TimeUnit.SECONDS).payload().length);
            assertTrue(b.isConnected());
        }
    }

    static void waitUntil(java.util.function.BooleanSupplier condition, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
