package io.hybridfog.runtime.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.mqtt.MqttBusSettings;
import io.hybridfog.mqtt.MqttClientBus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A device for the distribution fault tests: publishes the committed Fashion-MNIST PNGs as {@code dev-1} (64 samples
 * in flight at most, each sample once, never retried), optionally at a fixed rate, runs the faults when the given
 * number of samples has been sent, and records every answer by sample id.
 */
final class DeviceStream {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path PNGS = Path.of(System.getProperty("hybridfog.home", "../..")).resolve("models/fashion-mnist/png");

    /** Runs {@code action} when {@code atSent} samples have been sent. */
    record Fault(int atSent, Action action) {
    }

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    private final int total;
    private final Map<String, List<String>> answers = new ConcurrentHashMap<>();
    private final List<String> order = new CopyOnWriteArrayList<>(); // sample ids in the order they were sent

    private DeviceStream(int total) {
        this.total = total;
    }

    /**
     * Streams {@code total} samples ({@code perSecond} 0: as fast as answers come) and waits up to 60 s for the
     * last answers, plus 1 s for late copies. {@code first} runs once {@code firstAt} samples are answered; {@code
     * then} (may be null) when its count of samples has been sent.
     */
    static DeviceStream run(MqttBusSettings deviceSettings, int total, int perSecond, int firstAt, Action first, Fault then)
            throws Exception {
        List<byte[]> images = new ArrayList<>();
        try (Stream<Path> files = Files.list(PNGS)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                images.add(Files.readAllBytes(p));
            }
        }
        DeviceStream s = new DeviceStream(total);
        Semaphore window = new Semaphore(64);
        try (MqttClientBus device = MqttClientBus.start(deviceSettings)) {
            assertTrue(device.awaitConnected(10_000), "device not connected");
            device.subscribe("hybridfog/results/dev-1", m -> {
                String id = new String(m.correlationData(), StandardCharsets.UTF_8);
                List<String> copies = s.answers.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
                copies.add(new String(m.payload(), StandardCharsets.UTF_8));
                if (copies.size() == 1) {
                    window.release();
                }
            });
            boolean firstDone = false;
            boolean thenDone = then == null;
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                assertTrue(window.tryAcquire(60, TimeUnit.SECONDS), "no answer for 60 s after " + s.answered() + " answers");
                if (perSecond > 0) {
                    long due = start + TimeUnit.SECONDS.toNanos(1) * i / perSecond;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                String id = "s-" + i;
                s.order.add(id);
                device.publish(new BusMessage("hybridfog/samples/dev-1", images.get(i % images.size()), null,
                        id.getBytes(StandardCharsets.UTF_8), null, Map.of()));
                if (!firstDone && s.answered() >= firstAt) {
                    firstDone = true;
                    first.run();
                }
                if (!thenDone && i + 1 >= then.atSent()) {
                    thenDone = true;
                    then.action().run();
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (s.answered() < total && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(1000);
            assertTrue(firstDone, "the fault never ran");
        }
        return s;
    }

    int answered() {
        return answers.size();
    }

    /** Samples with more than one answer. */
    long deliveredTwice() {
        return answers.values().stream().filter(c -> c.size() > 1).count();
    }

    /** Samples with two answers that differ (a second classification). */
    long conflicting() {
        return answers.values().stream().filter(c -> c.stream().distinct().count() > 1).count();
    }

    /** Answers by exit ({@code EDGE}, {@code CLOUD}, {@code EDGE_FALLBACK}) or {@code error <code>}. */
    Map<String, Integer> byExit() {
        Map<String, Integer> m = new TreeMap<>();
        answers.values().forEach(c -> m.merge(kind(c.get(0)), 1, Integer::sum));
        return m;
    }

    /** CLOUD answers among the last {@code n} samples sent. */
    long cloudAnswersAmongLast(int n) {
        return order.subList(Math.max(0, order.size() - n), order.size()).stream()
                .map(answers::get).filter(c -> c != null && kind(c.get(0)).equals("CLOUD")).count();
    }

    String summary() {
        return "sent " + total + ", answered " + answered() + ", lost " + (total - answered()) + ", delivered twice "
                + "(identical) " + (deliveredTwice() - conflicting()) + ", conflicting " + conflicting() + ", by exit " + byExit();
    }

    private static String kind(String json) {
        try {
            JsonNode r = JSON.readTree(json);
            return r.hasNonNull("error") ? "error " + r.get("error").asText() : r.path("exit").asText();
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
