package io.hybridfog.onnx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxSettingsTest {

    @Test
    void defaultsToOneThread() {
        assertEquals(1, OnnxSettings.from(Map.of()).intraOpThreads());
    }

    @Test
    void acceptsIntegersAsConfigurationAdminDeliversThem() {
        assertEquals(4, OnnxSettings.from(Map.of("intra.op.threads", 4)).intraOpThreads());
        assertEquals(2, OnnxSettings.from(Map.of("intra.op.threads", 2L)).intraOpThreads());
        assertEquals(3, OnnxSettings.from(Map.of("intra.op.threads", " 3 ")).intraOpThreads());
    }

    @Test
    void rejectsBadValuesNamingTheKey() {
        for (Object bad : new Object[] {0, -2, "abc", "", 2.5, 5000}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxSettings.from(Map.of("intra.op.threads", bad)));
            assertTrue(e.getMessage().contains("io.hybridfog.onnx: intra.op.threads must be an integer from 1 to 1024, got '" + bad + "'"),
                    e.getMessage());
        }
    }

    @Test
    void warmupRunsDefaultToThreeAndMayBeZero() {
        assertEquals(3, OnnxSettings.from(Map.of()).warmupRuns());
        assertEquals(0, OnnxSettings.from(Map.of("warmup.runs", "0")).warmupRuns());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxSettings.from(Map.of("warmup.runs", -1)));
        assertTrue(e.getMessage().contains("warmup.runs must be an integer from 0 to 1000, got '-1'"), e.getMessage());
    }

    @Test
    void aBadValueFailsActivation() {
        OnnxEnvironmentComponent component = new OnnxEnvironmentComponent();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> component.activate(Map.of("intra.op.threads", "zero")));
        assertTrue(e.getMessage().contains("intra.op.threads"), e.getMessage());
    }

    @Test
    void activatesWithTheConfiguredThreads() throws Exception {
        OnnxEnvironmentComponent component = new OnnxEnvironmentComponent();
        component.activate(Map.of("intra.op.threads", 2));
        assertEquals(2, component.intraOpThreads());
        assertEquals("1.29.0", component.environment().getVersion());
        component.newSessionOptions().close();
    }
}
