package io.hybridfog.demo.replay;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Option checks that fail with picocli's usage error (exit code 2) before anything is started or written. */
public final class CliChecks {
    private CliChecks() {
    }

    public static void positive(CommandSpec spec, String option, long value) {
        if (value < 1) {
            throw new ParameterException(spec.commandLine(), option + " must be >= 1, got " + value);
        }
    }

    public static void notNegative(CommandSpec spec, String option, long value) {
        if (value < 0) {
            throw new ParameterException(spec.commandLine(), option + " must be >= 0, got " + value);
        }
    }

    public static void folder(CommandSpec spec, String option, Path folder, String problem) {
        if (!Files.isDirectory(folder)) {
            throw new ParameterException(spec.commandLine(), option + ": " + folder + " " + problem);
        }
    }

    /** null (embedded broker) or tcp://host:port / ssl://host:port. */
    static void brokerUrl(CommandSpec spec, String url) {
        if (url == null) {
            return;
        }
        try {
            URI uri = new URI(url);
            if (!("tcp".equals(uri.getScheme()) || "ssl".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new ParameterException(spec.commandLine(), "--broker must look like tcp://host:1883 or ssl://host:8883, got '" + url + "'");
            }
        } catch (URISyntaxException e) {
            throw new ParameterException(spec.commandLine(), "--broker is not a URL: '" + url + "'");
        }
    }
}
