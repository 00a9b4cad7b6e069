package io.hybridfog.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigValuesTest {

    private static ConfigValues values(Object... keyValues) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new ConfigValues(m);
    }

    private static void assertFails(String key, String message, Runnable r) {
        SettingException e = assertThrows(SettingException.class, r::run);
        assertEquals(key, e.key());
        assertEquals(key + ": " + message, e.getMessage());
    }

    @Test
    void settingExceptionNamesTheKey() {
        SettingException e = new SettingException("broker.url", "required");
        assertEquals("broker.url", e.key());
        assertEquals("broker.url: required", e.getMessage());
    }

    @Test
    void stringIsTrimmedAndBlankMeansDefault() {
        ConfigValues c = values("a", "  x y  ", "blank", "   ", "n", 7);
        assertEquals("x y", c.string("a", "d"));
        assertEquals("d", c.string("blank", "d"));
        assertEquals("d", c.string("absent", "d"));
        assertNull(c.string("absent", null));
        assertEquals("7", c.string("n", null));
    }

    @Test
    void secretIsKeptAsGiven() {
        ConfigValues c = values("p", " pa ss ", "chars", " s3cret".toCharArray(), "empty", "");
        assertEquals(" pa ss ", c.secret("p"));
        assertEquals(" s3cret", c.secret("chars"));
        assertNull(c.secret("empty"));
        assertNull(c.secret("absent"));
    }

    @Test
    void longValueAcceptsIntegralTypesAndStrings() {
        ConfigValues c = values("i", 5, "l", 6L, "s", (short) 7, "b", (byte) 8, "str", " 9 ", "blank", " ");
        assertEquals(5, c.longValue("i", 0));
        assertEquals(6, c.longValue("l", 0));
        assertEquals(7, c.longValue("s", 0));
        assertEquals(8, c.longValue("b", 0));
        assertEquals(9, c.longValue("str", 0));
        assertEquals(42, c.longValue("blank", 42));
        assertEquals(42, c.longValue("absent", 42));
    }

    @Test
    void longValueRejectsNonIntegers() {
        assertFails("k", "not an integer: 'abc'", () -> values("k", "abc").longValue("k", 0));
        assertFails("k", "not an integer: '1.5'", () -> values("k", 1.5).longValue("k", 0));
        assertFails("k", "not an integer: '1.5'", () -> values("k", "1.5").longValue("k", 0));
    }

    @Test
    void integerChecksTheIntRange() {
        assertEquals(Integer.MAX_VALUE, values("k", (long) Integer.MAX_VALUE).integer("k", 0));
        assertEquals(Integer.MIN_VALUE, values("k", String.valueOf(Integer.MIN_VALUE)).integer("k", 0));
        assertEquals(3, values().integer("k", 3));
        assertFails("k", "out of range: 2147483648", () -> values("k", 1L << 31).integer("k", 0));
        assertFails("k", "out of range: -2147483649", () -> values("k", "-2147483649").integer("k", 0));
        assertFails("k", "not an integer: 'x'", () -> values("k", "x").integer("k", 0));
    }

    @Test
    void optionalDouble() {
        assertNull(values().optionalDouble("k"));
        assertNull(values("k", "  ").optionalDouble("k"));
        assertEquals(0.25, values("k", 0.25).optionalDouble("k"));
        assertEquals(2.0, values("k", 2).optionalDouble("k"));
        assertEquals(0.5, values("k", " 0.5 ").optionalDouble("k"));
        assertEquals(Double.POSITIVE_INFINITY, values("k", "Infinity").optionalDouble("k"));
        assertFails("k", "not a number: 'abc'", () -> values("k", "abc").optionalDouble("k"));
        assertFails("k", "must not be NaN", () -> values("k", Double.NaN).optionalDouble("k"));
        assertFails("k", "must not be NaN", () -> values("k", "NaN").optionalDouble("k"));
    }

    @Test
    void booleansFromStringsOrBooleansAndAnythingElseNamesTheKey() {
        assertEquals(true, values("enabled", "TRUE").bool("enabled", false));
        assertEquals(false, values("enabled", " false ").bool("enabled", true));
        assertEquals(true, values("enabled", Boolean.TRUE).bool("enabled", false));
        assertEquals(true, values("enabled", " ").bool("enabled", true));
        assertEquals(false, values().bool("enabled", false));
        assertFails("enabled", "not true or false: 'yes'", () -> values("enabled", "yes").bool("enabled", false));
        assertFails("enabled", "not true or false: '1'", () -> values("enabled", 1).bool("enabled", false));
    }
}
