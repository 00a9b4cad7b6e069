package io.hybridfog.onnx.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The versions operators pinned models to (model name → version), kept in a properties file in the extender's
 * bundle data area so that a rollback survives a restart. Not thread-safe: the catalog serializes access.
 */
final class Pins {
    private static final System.Logger LOG = System.getLogger(Pins.class.getName());

    private final Path file; // null: in memory only
    private final Map<String, String> pins = new TreeMap<>();

    /** @param file where pins are kept; null keeps them in memory only (no bundle data area) */
    Pins(Path file) {
        this.file = file;
        if (file != null && Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(in);
                p.stringPropertyNames().forEach(model -> pins.put(model, p.getProperty(model)));
            } catch (IOException | IllegalArgumentException e) {
                LOG.log(Level.WARNING, "ignoring unreadable model pins in " + file + ": " + e.getMessage());
            }
        }
    }

    Optional<String> get(String model) {
        return Optional.ofNullable(pins.get(model));
    }

    void pin(String model, String version) {
        pins.put(model, version);
        save();
    }

    void unpin(String model) {
        if (pins.remove(model) != null) {
            save();
        }
    }

    /** Writes to a temporary file and renames it, so a crash never leaves a half-written file. */
    private void save() {
        if (file == null) {
            return;
        }
        Properties p = new Properties();
        p.putAll(pins);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(out, "HybridFog model pins (model = version); written by hybridfog:activate and hybridfog:rollback");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "model pins not saved to " + file + " (they hold until restart): " + e.getMessage());
        }
    }
}
