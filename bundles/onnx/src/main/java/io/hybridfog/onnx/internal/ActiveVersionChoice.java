package io.hybridfog.onnx.internal;

import io.hybridfog.config.ModelVersions;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Which installed version of each model serves at the edge: the pinned version if it is installed, valid and carries
 * an edge partition, else the newest such version ({@link ModelVersions#ORDER}). A pure function of what is
 * installed, the pins and which versions failed, so that the rule is tested without bundles, sessions or threads.
 */
final class ActiveVersionChoice {

    /**
     * One installed model bundle as the choice sees it.
     *
     * @param hasEdge  whether the bundle carries an edge partition (a cloud-only bundle never serves at the edge)
     * @param rejected whether the version failed validation (checksums, shapes, smoke test) when installed or activated
     */
    record Candidate(String model, String version, boolean hasEdge, boolean rejected) {
        boolean eligible() {
            return hasEdge && !rejected;
        }
    }

    private ActiveVersionChoice() {
    }

    /**
     * @param pins model name → pinned version; a pin to a version that is not eligible is ignored
     * @return model name → the version that should serve at the edge, for every model with an eligible version
     */
    static Map<String, String> choose(Collection<Candidate> installed, Map<String, String> pins) {
        Map<String, String> active = new TreeMap<>();
        installed.stream().map(Candidate::model).distinct().forEach(model ->
                choose(model, installed, Optional.ofNullable(pins.get(model))).ifPresent(v -> active.put(model, v)));
        return active;
    }

    /** @return the version of {@code model} that should serve at the edge; empty if none is eligible */
    static Optional<String> choose(String model, Collection<Candidate> installed, Optional<String> pin) {
        if (pin.isPresent() && eligible(model, installed).anyMatch(c -> c.version().equals(pin.get()))) {
            return pin;
        }
        return eligible(model, installed).map(Candidate::version).max(ModelVersions.ORDER);
    }

    /** @return the newest eligible version of {@code model} older than {@code current} (the target of a rollback) */
    static Optional<String> previous(String model, String current, Collection<Candidate> installed) {
        return eligible(model, installed).map(Candidate::version)
                .filter(v -> ModelVersions.compare(v, current) < 0).max(ModelVersions.ORDER);
    }

    private static Stream<Candidate> eligible(String model, Collection<Candidate> installed) {
        return installed.stream().filter(c -> c.model().equals(model) && c.eligible());
    }
}
