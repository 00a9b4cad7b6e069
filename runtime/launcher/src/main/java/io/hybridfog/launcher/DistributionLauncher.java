package io.hybridfog.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The launcher of a deployable distribution (gateway or cloud worker): a folder holding the launcher jar,
 * {@code lib/} (its class path), {@code bundles/} (installed at boot), {@code deploy/} (watched by FileInstall: model
 * bundles) and {@code config/} (ConfigAdmin {@code .cfg} files).
 *
 * <p>It boots Felix, then waits (bounded) for the role's component ({@code EdgeGatewayComponent} / {@code CloudWorkerComponent}) to be active.
 * A component of a HybridFog bundle that fails to activate (a bad configuration value: the message names the key)
 * stops the runtime with exit code {@value #EXIT_INVALID_CONFIG}; one that fails for another reason (e.g. the broker
 * accepted the connection but did not answer a subscription) with {@value #EXIT_START_FAILED}, naming the cause; a
 * timeout lists what each component still waits for and exits with {@value #EXIT_TIMEOUT}. Once ready it runs until stopped (SIGTERM/Ctrl-C, or Gogo {@code stop 0}).
 */
@Command(mixinStandardHelpOptions = true, version = "HybridFog 0.1.0", sortOptions = false)
public final class DistributionLauncher implements Callable<Integer> {
    public static final int EXIT_INVALID_CONFIG = 2;
    public static final int EXIT_TIMEOUT = 3;
    public static final int EXIT_START_FAILED = 4;
    public static final String READY = "ready:";
    /** A failed activation that lasts this long is reported (DS may retry when a referenced service arrives). */
    private static final long FAILURE_SETTLE_MS = 2_000;

    /**
     * What a distribution runs.
     *
     * @param name         command name, e.g. {@code hybridfog-gateway}
     * @param title        e.g. {@code edge gateway}
     * @param readyComponent DS component name that is active once the role runs
     * @param requiredPids configuration PIDs whose {@code <pid>.cfg} must be in the config folder
     * @param anchor       a class of the distribution's launcher jar (locates the distribution folder)
     */
    public record Role(String name, String title, String readyComponent, List<String> requiredPids, Class<?> anchor) {
    }

    @Option(names = "--config", paramLabel = "DIR",
            description = "ConfigAdmin folder of <pid>.cfg files. Default: $HYBRIDFOG_CONFIG, else <distribution>/config.")
    Path config;

    @Option(names = "--deploy", paramLabel = "DIR",
            description = "Folder watched for model bundle jars (drop a jar to install it, overwrite it to update, delete it "
                    + "to uninstall). Default: <distribution>/deploy.")
    Path deploy;

    @Option(names = "--broker", paramLabel = "URL[,URL...]",
            description = "MQTT broker (tcp://host:port or ssl://host:port), or a comma-separated list of a cluster's "
                    + "nodes, tried in order on every connect and reconnect; replaces broker.url of io.hybridfog.mqtt.cfg.")
    String broker;

    @Option(names = "--work", paramLabel = "DIR", description = "Framework cache folder. Default: <distribution>/work.")
    Path work;

    @Option(names = "--startup-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the service to start (broker reachable, configuration valid). Default: ${DEFAULT-VALUE}.")
    int startupTimeoutS;

    @Option(names = "--shell", paramLabel = "auto|on|off", defaultValue = "auto",
            description = "Interactive Gogo shell on this terminal (local only). auto: when stdin/stdout are a terminal.")
    String shell;

    private final Role role;

    private DistributionLauncher(Role role) {
        this.role = role;
    }

    /** Runs the launcher and exits the JVM with its exit code. */
    public static void main(Role role, String[] args) {
        // one line per record for the bundles' System.Logger output (java.util.logging, stderr)
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        System.exit(commandLine(role).execute(args));
    }

    public static CommandLine commandLine(Role role) {
        CommandLine cl = new CommandLine(new DistributionLauncher(role));
        cl.setCommandName(role.name());
        cl.getCommandSpec().usageMessage().description("Runs a HybridFog " + role.title() + " (Apache Felix).");
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            if (System.getenv("HYBRIDFOG_DEBUG") != null) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        Path dist = distributionDir(role.anchor());
        Path configDir = config != null ? config
                : System.getenv("HYBRIDFOG_CONFIG") != null ? Path.of(System.getenv("HYBRIDFOG_CONFIG")) : dist.resolve("config");
        Path deployDir = deploy != null ? deploy : dist.resolve("deploy");
        Path workDir = Files.createDirectories(work != null ? work : dist.resolve("work"));
        checkConfigFolder(configDir);
        if (!Files.isDirectory(deployDir)) {
            throw new IOException("deploy folder " + deployDir + " does not exist (--deploy)");
        }
        Map<String, String> props = new HashMap<>();
        boolean interactive = switch (shell) {
            case "on" -> true;
            case "off" -> false;
            case "auto" -> System.console() != null;
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "--shell: auto, on or off, not " + shell);
        };
        props.put("gosh.args", interactive ? "" : "--nointeractive");
        Map<String, Map<String, String>> overrides = new HashMap<>();
        if (broker != null) {
            overrides.put("io.hybridfog.mqtt", Map.of("broker.url", broker));
        }
        System.out.printf("%s: starting (config %s, deploy %s)%n", role.name(), configDir.toAbsolutePath(), deployDir.toAbsolutePath());
        FelixRuntime felix = FelixRuntime.start(new FelixRuntime.Spec(List.of(dist.resolve("bundles")), configDir,
                deployDir, workDir, props, overrides));
        Thread hook = new Thread(felix::close, role.name() + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = awaitReady(felix);
        if (code != 0) {
            felix.close();
            return code;
        }
        System.out.printf("%s %s %s is running%s%n", READY, role.name(), role.title(),
                interactive ? "; Gogo shell below (help, lb, scr:list; 'stop 0' stops it)" : "; stop with Ctrl-C / SIGTERM");
        System.out.flush();
        felix.waitForStop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // stopping through the hook
        }
        return 0;
    }

    private int awaitReady(FelixRuntime felix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(startupTimeoutS);
        long failingSince = 0;
        while (true) {
            List<ComponentStatus> states = felix.components("io.hybridfog");
            // not the service: DS registers an immediate component's service before it tries to activate it
            if (states.stream().anyMatch(s -> s.component().equals(role.readyComponent()) && "active".equals(s.state()))) {
                return 0;
            }
            List<ComponentStatus> failed = states.stream().filter(ComponentStatus::failed).toList();
            // DS retries an activation when a service it references changes: a failure is final once it stays
            if (failed.isEmpty()) {
                failingSince = 0;
            } else if (failingSince == 0) {
                failingSince = System.nanoTime();
            } else if (System.nanoTime() - failingSince > TimeUnit.MILLISECONDS.toNanos(FAILURE_SETTLE_MS)) {
                // a ConfigurationException names a bad value; anything else (a broker that does not answer, a
                // full disk) is not the configuration's fault and must not be reported as such
                List<ComponentStatus> invalid = failed.stream().filter(ComponentStatus::invalidConfiguration).toList();
                if (!invalid.isEmpty()) {
                    System.err.println("error: invalid configuration, " + role.name() + " not started:");
                    invalid.forEach(s -> System.err.println("  " + s));
                    return EXIT_INVALID_CONFIG;
                }
                System.err.println("error: " + role.name() + " not started, a component failed:");
                failed.forEach(s -> System.err.println("  " + s + failureHint(s)));
                return EXIT_START_FAILED;
            }
            if (System.nanoTime() > deadline) {
                System.err.printf("error: %s did not start within %d s; components still waiting:%n", role.title(), startupTimeoutS);
                states.stream().filter(s -> !s.active()).forEach(s -> System.err.println("  " + s + hint(s)));
                return EXIT_TIMEOUT;
            }
            Thread.sleep(200);
        }
    }

    private static String failureHint(ComponentStatus s) {
        return s.detail().contains("Timed out waiting for a response from the server")
                ? " (the broker accepted the connection but did not answer in time: is it overloaded, or is this client's"
                + " session stuck on a message it keeps redelivering? see the broker's log)" : "";
    }

    private static String hint(ComponentStatus s) {
        return s.detail().contains("bus") ? " (no MQTT connection yet: is the broker at broker.url reachable?)" : "";
    }

    private void checkConfigFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("configuration folder " + dir + " does not exist (--config)");
        }
        List<String> missing = new ArrayList<>();
        for (String pid : role.requiredPids()) {
            if (!Files.isRegularFile(dir.resolve(pid + ".cfg"))) {
                missing.add(pid + ".cfg");
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("configuration folder " + dir + " lacks " + String.join(", ", missing));
        }
    }

    /** The folder of the jar (or classes folder) holding the anchor class. */
    public static Path distributionDir(Class<?> anchor) throws URISyntaxException {
        return Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
    }
}
