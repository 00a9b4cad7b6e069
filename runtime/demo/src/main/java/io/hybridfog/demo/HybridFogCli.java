package io.hybridfog.demo;

import io.hybridfog.demo.bench.BenchCommand;
import io.hybridfog.demo.bench.PartitionBenchCommand;
import io.hybridfog.demo.dse.DseCommand;
import io.hybridfog.demo.replay.DemoCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** Entry point of the {@code hybridfog} command line. */
@Command(name = "hybridfog", mixinStandardHelpOptions = true, version = "HybridFog 0.1.0",
        description = "Conditionally deep hybrid neural networks: quantized edge partition with early exit, "
                + "full-precision cloud partition, over MQTT 5.",
        subcommands = {DemoCommand.class, BenchCommand.class, DseCommand.class, PartitionBenchCommand.class})
public final class HybridFogCli {

    public static void main(String[] args) {
        // before the first logger: HiveMQ's jar carries a logback.xml of its own
        System.setProperty("logback.configurationFile", "hybridfog-logback.xml");
        // the runtime logs through System.Logger (java.util.logging): route it to logback like HiveMQ's logs
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        System.exit(commandLine().execute(args));
    }

    /** Failures print one line, {@code error: <reason>}; set HYBRIDFOG_DEBUG=1 for the stack trace. */
    public static CommandLine commandLine() {
        return new CommandLine(new HybridFogCli()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            if (System.getenv("HYBRIDFOG_DEBUG") != null) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
    }
}
