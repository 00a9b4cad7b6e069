package io.hybridfog.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelVersionsTest {

    @Test
    void versionsOrderNumerically() {
        assertTrue(ModelVersions.compare("1.10.0", "1.9.3") > 0);
        assertTrue(ModelVersions.compare("2", "10") < 0);
        assertTrue(ModelVersions.compare("1.0.0", "1.0") > 0);
        assertEquals(0, ModelVersions.compare("1.02", "1.2"));
    }

    @Test
    void numericPartsRankAboveTextualOnes() {
        List<String> versions = new ArrayList<>(List.of("1.0.0", "1.0.0-rc1", "1.1.0", "0.9"));
        versions.sort(ModelVersions.ORDER);
        assertEquals(List.of("0.9", "1.0.0", "1.0.0-rc1", "1.1.0"), versions);
    }
}
