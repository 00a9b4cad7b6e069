package io.hybridfog.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Devices, one per site (gateway), each sending the committed Fashion-MNIST PNGs ({@code models/fashion-mnist/png},
 * image {@code i % 8} as sample {@code r<run>-<i>}) in parallel, and what came back: answers per sample id, exits, and the
 * predicted classes checked against the PyTorch reference of the committed model ({@code reference-predictions.csv}:
 * {@code cloud_pred} for a CLOUD answer, {@code exit_pred} for EDGE and EDGE_FALLBACK).
 */
final class FleetTraffic {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<byte[]> IMAGES = new ArrayList<>();
    private static final List<int[]> REFERENCE = new ArrayList<>(); // per image: {exit_pred, cloud_pred}

    /** Runs once, when this many samples (all devices together) have been sent. */
    record Fault(int atSent, Action action) {
    }

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /** Sample ids are {@code r<run>-<i>}: unique per device across runs, as the gateways require for 10 minutes. */
    private static final AtomicInteger RUNS = new AtomicInteger();
    private final List<Device> devices;
    private final int perDevice;
    private final String prefix = "r" + RUNS.incrementAndGet() + "-";
    private long elapsedNs;

    private FleetTraffic(List<Device> devices, int perDevice) {
        this.devices = devices;
        this.perDevice = perDevice;
    }

    /**
     * As {@link #run(List, int, int, List)} with the devices {@code dev-1} (site-1) ... {@code dev-<sites>} connected to
     * {@code brokerUrl} for this run only, 64 samples in flight each.
     */
    static FleetTraffic run(String brokerUrl, int sites, int perDevice, int perSecond, List<Fault> faults) throws Exception {
        List<Device> devices = new ArrayList<>();
        try {
            for (int n = 1; n <= sites; n++) {
                devices.add(new Device(brokerUrl, "site-" + n, "dev-" + n, 64));
            }
            return run(devices, perDevice, perSecond, faults);
        } finally {
            devices.forEach(Device::close);
        }
    }

    /**
     * Each device sends {@code perDevice} samples ({@code perSecond} per device, 0: as fast as its window allows),
     * the faults run when their counts of samples have been sent (on the sending thread of device 0); then waits up to
     * 60 s for the last answers and 1 s more for repeats.
     */
    static FleetTraffic run(List<Device> devices, int perDevice, int perSecond, List<Fault> faults) throws Exception {
        loadImages();
        FleetTraffic t = new FleetTraffic(devices, perDevice);
        ExecutorService senders = Executors.newFixedThreadPool(devices.size());
        List<AtomicBoolean> done = faults.stream().map(f -> new AtomicBoolean()).toList();
        long start = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int d = 0; d < devices.size(); d++) {
                Device device = devices.get(d);
                boolean runsFaults = d == 0;
                running.add(senders.submit(() -> {
                    for (int i = 0; i < perDevice; i++) {
                        if (perSecond > 0) {
                            long wait = start + TimeUnit.SECONDS.toNanos(1) * i / perSecond - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                        }
                        if (!device.send(t.prefix + i, IMAGES.get(i % IMAGES.size()))) {
                            throw new IllegalStateException(device.id() + ": no answer for 60 s after " + device.answered());
                        }
                        if (runsFaults) {
                            int sent = (i + 1) * devices.size();
                            for (int f = 0; f < faults.size(); f++) {
                                if (sent >= faults.get(f).atSent() && done.get(f).compareAndSet(false, true)) {
                                    faults.get(f).action().run();
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            senders.shutdownNow();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (t.answered() < t.sent() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        t.elapsedNs = System.nanoTime() - start;
        Thread.sleep(1000); // a repeat would arrive now
        return t;
    }

    int sent() {
        return perDevice * devices.size();
    }

    int answered() {
        return devices.stream().mapToInt(Device::answered).sum();
    }

    /** Seconds from the first sample sent to the last first answer (or the 60 s wait's end). */
    double seconds() {
        return elapsedNs / 1e9;
    }

    /** Samples with more than one result. */
    long repeated() {
        return allAnswers().filter(c -> c.size() > 1).count();
    }

    /** Samples with two results that differ (answered twice, not a repeat of one answer). */
    long conflicting() {
        return allAnswers().filter(c -> c.stream().distinct().count() > 1).count();
    }

    /** First answers by exit ({@code EDGE}, {@code CLOUD}, {@code EDGE_FALLBACK}) or {@code error <code>}. */
    Map<String, Integer> byExit() {
        Map<String, Integer> m = new TreeMap<>();
        allAnswers().forEach(c -> m.merge(kind(json(c.get(0))), 1, Integer::sum));
        return m;
    }

    /** CLOUD answers among the last {@code n} samples of each device. */
    long cloudAnswersAmongLast(int n) {
        long count = 0;
        for (Device d : devices) {
            for (int i = Math.max(0, perDevice - n); i < perDevice; i++) {
                List<String> c = d.answers().get(prefix + i);
                count += c != null && kind(json(c.get(0))).equals("CLOUD") ? 1 : 0;
            }
        }
        return count;
    }

    /** Answers whose predicted class is not PyTorch's for that image and exit, with the reason; empty if none. */
    List<String> wrongPredictions() {
        List<String> wrong = new ArrayList<>();
        for (Device d : devices) {
            d.answers().forEach((id, copies) -> {
                JsonNode r = json(copies.get(0));
                int image = Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)) % IMAGES.size();
                String exit = r.path("exit").asText();
                int expected = exit.equals("CLOUD") ? REFERENCE.get(image)[1] : REFERENCE.get(image)[0];
                if (!r.hasNonNull("predictedClass") || r.get("predictedClass").asInt() != expected || !id.equals(r.path("sampleId").asText())) {
                    wrong.add(d.id() + "/" + id + " (image " + image + ", expected class " + expected + "): " + copies.get(0));
                }
            });
        }
        return wrong;
    }

    /** Device-side latency percentile (0..100) of the first answers, ms. */
    double latencyPercentileMs(double p) {
        long[] all = devices.stream().flatMap(d -> d.latencies().values().stream()).mapToLong(Long::longValue).sorted().toArray();
        return all.length == 0 ? Double.NaN : all[(int) Math.min(all.length - 1, Math.round(p / 100 * (all.length - 1)))] / 1e6;
    }

    String summary() {
        return "sent " + sent() + ", answered " + answered() + ", lost " + (sent() - answered()) + ", repeated (identical) "
                + (repeated() - conflicting()) + ", conflicting " + conflicting() + ", by exit " + byExit()
                + String.format(", %.1f s", seconds());
    }

    private Stream<List<String>> allAnswers() {
        return devices.stream().flatMap(d -> d.answers().values().stream());
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            return JSON.createObjectNode().put("unreadable", s);
        }
    }

    private static String kind(JsonNode r) {
        return r.hasNonNull("error") ? "error " + r.get("error").asText() : r.path("exit").asText("unreadable");
    }

    private static synchronized void loadImages() throws IOException {
        if (!IMAGES.isEmpty()) {
            return;
        }
        Path pngs = Fleet.HOME.resolve("models/fashion-mnist/png");
        List<Path> files;
        try (Stream<Path> s = Files.list(pngs)) {
            files = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        List<String> lines = Files.readAllLines(Fleet.HOME.resolve("models/fashion-mnist/reference-predictions.csv"));
        for (Path png : files) {
            int index = Integer.parseInt(png.getFileName().toString().replaceAll("\\D", ""));
            String[] f = lines.get(index + 1).split(","); // index,label,exit_pred,exit_entropy_nats,cloud_pred
            if (Integer.parseInt(f[0]) != index) {
                throw new IOException("reference-predictions.csv line " + (index + 2) + " is not image " + index);
            }
            IMAGES.add(Files.readAllBytes(png));
            REFERENCE.add(new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[4])});
        }
        if (IMAGES.isEmpty()) {
            throw new IOException("no PNG in " + pngs);
        }
    }
}
