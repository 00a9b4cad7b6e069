package io.hybridfog.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComponentConfigTest {

    @interface Sample {
        String name() default "d";

        String required();

        @Secret
        String pass_word() default "";

        long big_value() default 42;

        int small() default 3;

        int needed();

        boolean enabled() default false;

        double ratio() default 0.5;

        String key__with__underscores() default "";

        String dash$_$key() default "";

        String dollar$$key() default "";
    }

    @interface Unsupported {
        String[] list() default {};
    }

    private static Sample read(Object... keyValues) {
        Map<String, Object> m = new HashMap<>();
        m.put("needed", 1);
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return ComponentConfig.read(Sample.class, m);
    }

    private static void assertFails(String key, String message, Runnable r) {
        SettingException e = assertThrows(SettingException.class, r::run);
        assertEquals(key, e.key());
        assertEquals(key + ": " + message, e.getMessage());
    }

    @Test
    void settingExceptionNamesTheKeyAndChecksRanges() {
        SettingException e = new SettingException("broker.url", "required");
        assertEquals("broker.url", e.key());
        assertEquals("broker.url: required", e.getMessage());
        SettingException.requireRange("k", 5, 5, 5);
        assertFails("k", "must be in [1, 4], got 5", () -> SettingException.requireRange("k", 5, 1, 4));
    }

    @Test
    void keysFollowTheDeclarativeServicesRule() throws Exception {
        assertEquals("big.value", ComponentConfig.key(Sample.class.getDeclaredMethod("big_value")));
        assertEquals("key_with_underscores", ComponentConfig.key(Sample.class.getDeclaredMethod("key__with__underscores")));
        assertEquals("dash-key", ComponentConfig.key(Sample.class.getDeclaredMethod("dash$_$key")));
        assertEquals("dollar$key", ComponentConfig.key(Sample.class.getDeclaredMethod("dollar$$key")));
        assertEquals("x", read("key_with_underscores", "x").key__with__underscores());
        assertEquals("y", read("dash-key", "y").dash$_$key());
        assertEquals("z", read("dollar$key", "z").dollar$$key());
    }

    @Test
    void absentValuesTakeTheDefaults() {
        Sample s = read();
        assertEquals("d", s.name());
        assertNull(s.required());
        assertEquals("", s.pass_word());
        assertEquals(42, s.big_value());
        assertEquals(3, s.small());
        assertFalse(s.enabled());
        assertEquals(0.5, s.ratio());
        assertEquals(Sample.class, s.annotationType());
    }

    @Test
    void aPrimitiveWithoutDefaultIsRequired() {
        assertFails("needed", "required", () -> ComponentConfig.read(Sample.class, Map.of()));
        assertFails("needed", "required", () -> read("needed", " "));
    }

    @Test
    void stringIsTrimmedAndBlankMeansDefault() {
        assertEquals("x y", read("name", "  x y  ").name());
        assertEquals("d", read("name", "   ").name());
        assertEquals("7", read("name", 7).name());
    }

    @Test
    void secretIsKeptAsGivenAndNeverShown() {
        assertEquals(" pa ss ", read("pass.word", " pa ss ").pass_word());
        assertEquals(" s3cret", read("pass.word", " s3cret".toCharArray()).pass_word());
        assertEquals("", read("pass.word", "").pass_word());
        String shown = read("pass.word", "hunter2").toString();
        assertFalse(shown.contains("hunter2"), shown);
        assertTrue(shown.contains("pass.word=<set>"), shown);
    }

    @Test
    void integersAcceptIntegralTypesAndStrings() {
        assertEquals(5, read("big.value", 5).big_value());
        assertEquals(6, read("big.value", 6L).big_value());
        assertEquals(7, read("big.value", (short) 7).big_value());
        assertEquals(8, read("big.value", (byte) 8).big_value());
        assertEquals(9, read("big.value", " 9 ").big_value());
        assertEquals(42, read("big.value", " ").big_value());
        assertEquals(Integer.MAX_VALUE, read("small", (long) Integer.MAX_VALUE).small());
        assertEquals(Integer.MIN_VALUE, read("small", String.valueOf(Integer.MIN_VALUE)).small());
    }

    @Test
    void integersRejectNonIntegersAndOverflow() {
        assertFails("big.value", "not an integer: 'abc'", () -> read("big.value", "abc"));
        assertFails("big.value", "not an integer: '1.5'", () -> read("big.value", 1.5));
        assertFails("big.value", "not an integer: '1.5'", () -> read("big.value", "1.5"));
        assertFails("small", "out of range: 2147483648", () -> read("small", 1L << 31));
        assertFails("small", "out of range: -2147483649", () -> read("small", "-2147483649"));
        assertFails("small", "not an integer: 'x'", () -> read("small", "x"));
    }

    @Test
    void doubles() {
        assertEquals(0.25, read("ratio", 0.25).ratio());
        assertEquals(2.0, read("ratio", 2).ratio());
        assertEquals(0.5, read("ratio", " 0.5 ").ratio());
        assertEquals(Double.POSITIVE_INFINITY, read("ratio", "Infinity").ratio());
        assertFails("ratio", "not a number: 'abc'", () -> read("ratio", "abc"));
        assertFails("ratio", "must not be NaN", () -> read("ratio", Double.NaN));
        assertFails("ratio", "must not be NaN", () -> read("ratio", "NaN"));
    }

    @Test
    void booleansFromStringsOrBooleansAndAnythingElseNamesTheKey() {
        assertTrue(read("enabled", "TRUE").enabled());
        assertFalse(read("enabled", " false ").enabled());
        assertTrue(read("enabled", Boolean.TRUE).enabled());
        assertFalse(read("enabled", " ").enabled());
        assertFails("enabled", "not true or false: 'yes'", () -> read("enabled", "yes"));
        assertFails("enabled", "not true or false: '1'", () -> read("enabled", 1));
    }

    @Test
    void unsupportedTypesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ComponentConfig.read(Unsupported.class, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> ComponentConfig.read(Runnable.class, Map.of()));
    }
}
