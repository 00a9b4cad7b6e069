package io.hybridfog.onnx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.config.SettingException;
import java.util.Map;
import org.osgi.service.cm.ConfigurationException;
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
    void rejectsBadValuesNamingTheKeyAndTheRange() {
        Map<Object, String> expected = Map.of(0, "must be in [1, 1024], got 0", -2, "must be in [1, 1024], got -2",
                5000, "must be in [1, 1024], got 5000", "abc", "not an integer: 'abc'", 2.5, "not an integer: '2.5'");
        expected.forEach((bad, why) -> {
            SettingException e = assertThrows(SettingException.class,
                    () -> OnnxSettings.from(Map.of("intra.op.threads", bad)));
            assertEquals("intra.op.threads", e.key());
            assertEquals("intra.op.threads: " + why, e.getMessage());
        });
    }

    @Test
    void blankMeansTheDefault() {
        assertEquals(1, OnnxSettings.from(Map.of("intra.op.threads", " ")).intraOpThreads());
    }

    @Test
    void warmupRunsDefaultToThreeAndMayBeZero() {
        assertEquals(3, OnnxSettings.from(Map.of()).warmupRuns());
        assertEquals(0, OnnxSettings.from(Map.of("warmup.runs", "0")).warmupRuns());
        SettingException e = assertThrows(SettingException.class, () -> OnnxSettings.from(Map.of("warmup.runs", -1)));
        assertEquals("warmup.runs: must be in [0, 1000], got -1", e.getMessage());
    }

    @Test
    void aBadValueFailsActivationAsAnInvalidConfiguration() {
        OnnxEnvironmentComponent component = new OnnxEnvironmentComponent();
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> component.activate(Map.of("intra.op.threads", "zero")));
        assertEquals("intra.op.threads", e.getProperty());
        assertTrue(e.getReason().contains("not an integer: 'zero'"), e.getReason());
    }

    @Test
    void updateGraceIsCheckedWithTheSameKeys() throws Exception {
        assertEquals(5000, ModelBundleExtender.updateGraceMs(Map.of()));
        assertEquals(0, ModelBundleExtender.updateGraceMs(Map.of("update.grace.ms", "0")));
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> ModelBundleExtender.updateGraceMs(Map.of("update.grace.ms", 600_001)));
        assertEquals("update.grace.ms", e.getProperty());
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
