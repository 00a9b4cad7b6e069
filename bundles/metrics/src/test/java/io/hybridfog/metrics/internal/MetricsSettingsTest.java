package io.hybridfog.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hybridfog.config.SettingException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsSettingsTest {

    @Test
    void offAndLoopbackOnlyByDefault() {
        MetricsSettings s = MetricsSettings.parse(Map.of());
        assertFalse(s.enabled());
        assertEquals("127.0.0.1", s.bindAddress().getHostAddress());
        assertTrue(s.bindAddress().isLoopbackAddress());
        assertEquals(9464, s.port());
    }

    @Test
    void valuesFromACfgFile() {
        MetricsSettings s = MetricsSettings.parse(Map.of("enabled", "true", "bind.address", "0.0.0.0", "port", "19464"));
        assertTrue(s.enabled());
        assertTrue(s.bindAddress().isAnyLocalAddress());
        assertEquals(19464, s.port());
        assertEquals("::1", MetricsSettings.parse(Map.of("bind.address", "::1")).bindAddress().getHostAddress()
                .replace("0:0:0:0:0:0:0:1", "::1"));
    }

    @Test
    void errorsNameTheKey() {
        assertKey("enabled", Map.of("enabled", "yes"));
        assertKey("port", Map.of("port", "0"));
        assertKey("port", Map.of("port", "65536"));
        assertKey("port", Map.of("port", "http"));
        assertKey("bind.address", Map.of("bind.address", "no-such-host.invalid"));
    }

    private static void assertKey(String key, Map<String, ?> props) {
        SettingException e = assertThrows(SettingException.class, () -> MetricsSettings.parse(props));
        assertEquals(key, e.key(), e.getMessage());
    }
}
