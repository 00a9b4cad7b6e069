package io.hybridfog.demo.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of one bench run, split by who spent it. The gateway, the cloud worker and the simulated devices share
 * one JVM, so their Java threads are told apart by name:
 * <ul>
 * <li>{@code gateway}: the edge gateway's threads ({@code hybridfog-edge-*}) and those of the runtime's MQTT client
 * ({@code hybridfog-demo-runtime}: Paho's reader, writer, callback and ping threads, the bus's timer and completion
 * threads), which also carries the cloud worker's requests and replies in the demo runtime;</li>
 * <li>{@code cloud}: the cloud worker's threads ({@code hybridfog-cloud-*});</li>
 * <li>{@code devices}: the simulated devices' MQTT clients and sender threads;</li>
 * <li>{@code other}: every other Java thread (Felix, an embedded broker);</li>
 * <li>{@code jvm}: the JVM's own threads (garbage collection, VM operations; read from /proc/self/task by name),
 * apportioned to the groups above by the bytes their threads allocated in the run;</li>
 * <li>{@code jit}: the JIT compilers, apart: each gateway run starts a fresh Felix whose bundles' classes are compiled
 * again, a start-up cost a long-running gateway does not pay per sample;</li>
 * <li>{@code broker}: a Mosquitto process, read from /proc.</li>
 * </ul>
 */
final class CpuAccount {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    static final String[] GROUPS = {"gateway", "cloud", "devices", "other"};

    private record ThreadUse(String name, long cpuNanos, long allocated) {
    }

    private final Map<Long, ThreadUse> threads;
    private final long processNanos;
    private final long vmNanos;
    private final long jitNanos;
    private final long brokerNanos;

    private CpuAccount(Map<Long, ThreadUse> threads, long processNanos, long vmNanos, long jitNanos, long brokerNanos) {
        this.threads = threads;
        this.processNanos = processNanos;
        this.vmNanos = vmNanos;
        this.jitNanos = jitNanos;
        this.brokerNanos = brokerNanos;
    }

    /** CPU of the JVM's native threads except the JIT compilers (GC, VM thread, JFR), from /proc/self/task, ns. */
    static long vmThreadsNanos() {
        return nativeThreadsNanos(false);
    }

    /** CPU of the JIT compiler threads (C1, C2, code cache sweeper), from /proc/self/task, nanoseconds. */
    static long jitThreadsNanos() {
        return nativeThreadsNanos(true);
    }

    private static long nativeThreadsNanos(boolean jit) {
        long ticks = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String comm = Files.readString(t.resolve("comm")).trim();
                    boolean compiler = comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")
                            || comm.startsWith("Sweeper");
                    boolean vm = comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")
                            || comm.startsWith("VM Periodic") || comm.startsWith("JFR") || comm.startsWith("Service Thread");
                    if (jit ? !compiler : !vm) {
                        continue;
                    }
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * 10_000_000L;
    }

    /** @param brokerPid a Mosquitto process to read, or -1 */
    static CpuAccount now(long brokerPid) {
        Map<Long, ThreadUse> m = new HashMap<>();
        for (var info : THREADS.dumpAllThreads(false, false)) {
            long id = info.getThreadId();
            long cpu = THREADS.getThreadCpuTime(id);
            long alloc = THREADS.getThreadAllocatedBytes(id);
            if (cpu >= 0) {
                m.put(id, new ThreadUse(info.getThreadName(), cpu, Math.max(0, alloc)));
            }
        }
        return new CpuAccount(m, OS.getProcessCpuTime(), vmThreadsNanos(), jitThreadsNanos(), brokerPid < 0 ? 0 : processCpuNanos(brokerPid));
    }

    static String group(String thread) {
        if (thread.startsWith("hybridfog-edge-") || thread.contains("hybridfog-demo-runtime")) {
            return "gateway";
        }
        if (thread.startsWith("hybridfog-cloud-")) {
            return "cloud";
        }
        if (thread.contains("hybridfog-demo-device-") || thread.matches("device-\\d+") || thread.equals("main")) {
            return "devices";
        }
        return "other";
    }

    /**
     * CPU seconds per group between {@code before} and this reading, the JVM's own share apportioned by allocation;
     * keys: the {@link #GROUPS}, {@code jvm} (the unapportioned total of it, for reference), {@code broker},
     * {@code gateway-mqtt-client} (the runtime's MQTT client threads but its delivery thread, which runs the
     * gateway's handlers; not apportioned) and
     * {@code gateway-jvm-share} (the part of {@code jvm} in {@code gateway}).
     */
    Map<String, Double> since(CpuAccount before) {
        Map<String, Long> cpu = new LinkedHashMap<>();
        Map<String, Long> alloc = new LinkedHashMap<>();
        for (String g : GROUPS) {
            cpu.put(g, 0L);
            alloc.put(g, 0L);
        }
        long javaTotal = 0;
        long allocTotal = 0;
        long mqttClient = 0;
        for (var e : threads.entrySet()) {
            ThreadUse then = before.threads.get(e.getKey());
            long dc = e.getValue().cpuNanos() - (then == null ? 0 : then.cpuNanos());
            long da = e.getValue().allocated() - (then == null ? 0 : then.allocated());
            String g = group(e.getValue().name());
            cpu.merge(g, dc, Long::sum);
            alloc.merge(g, da, Long::sum);
            javaTotal += dc;
            allocTotal += da;
            if (e.getValue().name().contains("hybridfog-demo-runtime") && !e.getValue().name().startsWith("MQTT Call")) {
                mqttClient += dc;
            }
        }
        long jvm = vmNanos - before.vmNanos;
        long jit = jitNanos - before.jitNanos;
        // Java threads that started and ended within the run are in neither reading: the devices' sender threads
        // (one per device and replay); what the process spent beyond the threads seen goes to the devices
        long unseen = Math.max(0, (processNanos - before.processNanos) - javaTotal - jvm - jit);
        cpu.merge("devices", unseen, Long::sum);
        Map<String, Double> s = new LinkedHashMap<>();
        for (String g : GROUPS) {
            double share = allocTotal == 0 ? 0 : (double) alloc.get(g) / allocTotal;
            s.put(g, (cpu.get(g) + share * jvm) / 1e9);
        }
        s.put("jvm", jvm / 1e9);
        s.put("jit", jit / 1e9);
        s.put("gateway-mqtt-client", mqttClient / 1e9);
        s.put("gateway-jvm-share", allocTotal == 0 ? 0 : (double) alloc.get("gateway") / allocTotal * jvm / 1e9);
        s.put("broker", (brokerNanos - before.brokerNanos) / 1e9);
        return s;
    }

    /** utime + stime of a process from /proc/PID/stat, nanoseconds (clock ticks of 10 ms); 0 if unreadable. */
    static long processCpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
            return ticks * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
