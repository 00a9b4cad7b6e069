package io.hybridfog.onnx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hybridfog.onnx.internal.ActiveVersionChoice.Candidate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rule that picks the version serving at the edge, on its own: no bundles, sessions or threads. */
class ActiveVersionChoiceTest {
    private static Candidate valid(String model, String version) {
        return new Candidate(model, version, true, false);
    }

    @Test
    void theNewestValidVersionWithAnEdgePartitionServesWithoutAPin() {
        List<Candidate> installed = List.of(valid("a", "1.9.0"), valid("a", "1.10.0"), valid("a", "1.2"),
                new Candidate("a", "2.0.0", false, false), // cloud partition only
                new Candidate("a", "3.0.0", true, true)); // rejected
        assertEquals(Map.of("a", "1.10.0"), ActiveVersionChoice.choose(installed, Map.of()));
    }

    @Test
    void aPinWinsOverNewerVersionsWhileItIsEligible() {
        List<Candidate> installed = List.of(valid("a", "1.0.0"), valid("a", "1.1.0"), valid("b", "0.1"));
        assertEquals(Map.of("a", "1.0.0", "b", "0.1"), ActiveVersionChoice.choose(installed, Map.of("a", "1.0.0")));
    }

    @Test
    void aPinToAMissingRejectedOrCloudOnlyVersionFallsBackToTheNewest() {
        List<Candidate> installed = List.of(valid("a", "1.0.0"), valid("a", "1.1.0"),
                new Candidate("a", "0.9.0", true, true), new Candidate("a", "0.8.0", false, false));
        for (String pin : List.of("0.7.0", "0.9.0", "0.8.0")) {
            assertEquals(Optional.of("1.1.0"), ActiveVersionChoice.choose("a", installed, Optional.of(pin)), pin);
        }
    }

    @Test
    void aModelWithoutAnEligibleVersionHasNoActiveVersion() {
        List<Candidate> installed = List.of(new Candidate("a", "1.0.0", true, true), new Candidate("b", "1.0.0", false, false));
        assertEquals(Map.of(), ActiveVersionChoice.choose(installed, Map.of("a", "1.0.0")));
        assertEquals(Map.of(), ActiveVersionChoice.choose(List.of(), Map.of()));
    }

    @Test
    void rollbackTargetIsTheNewestEligibleVersionOlderThanTheCurrentOne() {
        List<Candidate> installed = List.of(valid("a", "1.0.0"), valid("a", "1.1.0"), valid("a", "1.2.0"),
                new Candidate("a", "1.1.5", true, true), valid("b", "1.1.9"));
        assertEquals(Optional.of("1.1.0"), ActiveVersionChoice.previous("a", "1.2.0", installed));
        assertEquals(Optional.of("1.0.0"), ActiveVersionChoice.previous("a", "1.1.0", installed));
        assertEquals(Optional.empty(), ActiveVersionChoice.previous("a", "1.0.0", installed));
    }
}
