package io.hybridfog.demo;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code hybridfog} command line. */
@Command(name = "hybridfog", mixinStandardHelpOptions = true, version = "HybridFog 0.1.0",
        description = "Conditionally deep hybrid neural networks: quantized edge partition with early exit, "
                + "full-precision cloud partition, over MQTT 5.",
        subcommands = {DemoCommand.class, BenchCommand.class})
public final class HybridFogCli {

    public static void main(String[] args) {
        System.exit(new CommandLine(new HybridFogCli()).execute(args));
    }
}
