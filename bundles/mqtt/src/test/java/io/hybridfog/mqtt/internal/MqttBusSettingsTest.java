package io.hybridfog.mqtt.internal;

import io.hybridfog.config.SettingException;
import io.hybridfog.mqtt.MqttBusSettings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MqttBusSettingsTest {

    @Test
    void acceptsTcpAndSslAndAddsDefaultPorts() {
        assertEquals("tcp://127.0.0.1:1883", MqttBusSettings.of("tcp://127.0.0.1", null).brokerUrl());
        assertEquals("ssl://broker.example:8883", MqttBusSettings.of("ssl://broker.example", null).brokerUrl());
        assertEquals("tcp://localhost:11883", MqttBusSettings.of(" tcp://localhost:11883 ", null).brokerUrl());
        assertTrue(MqttBusSettings.of("ssl://h:1", "x").tls());
    }

    @Test
    void rejectsBadUrlsNamingTheKey() {
        for (String bad : new String[] {null, "", "http://h:1883", "h:1883", "tcp://:1883", "tcp://h:1883/path",
                "tcp://h:70000", "tcp://user@h:1883", "tcp://h h"}) {
            SettingException e = assertThrows(SettingException.class, () -> MqttBusSettings.of(bad, null), String.valueOf(bad));
            assertEquals("broker.url", e.key());
            assertTrue(e.getMessage().startsWith("broker.url: "), e.getMessage());
        }
    }

    /** broker.url as a comma-separated fail-over list: each entry validated and normalized, order kept. */
    @Test
    void acceptsAListOfBrokerUrlsInOrder() {
        MqttBusSettings s = MqttBusSettings.of(" tcp://127.0.0.1:1883 , tcp://localhost,tcp://[::1]:2883 ", null);
        assertEquals("tcp://127.0.0.1:1883,tcp://localhost:1883,tcp://[::1]:2883", s.brokerUrl());
        assertEquals(List.of("tcp://127.0.0.1:1883", "tcp://localhost:1883", "tcp://[::1]:2883"), s.brokerUrls());
        assertEquals(List.of("ssl://a:8883", "ssl://b:8884"), MqttBusSettings.of("ssl://a,ssl://b:8884", null).brokerUrls());
        assertTrue(MqttBusSettings.of("ssl://a,ssl://b:8884", null).tls());
        assertEquals(List.of("tcp://h:1883"), MqttBusSettings.of("tcp://h", null).brokerUrls());
    }

    @Test
    void oneBadEntryOfAListIsRefusedNamingTheKeyAndTheEntry() {
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("tcp://127.0.0.1:1883,http://127.0.0.2:1883", "'http://127.0.0.2:1883'");
        bad.put("tcp://127.0.0.1:1883,tcp://127.0.0.2:70000", "'tcp://127.0.0.2:70000'");
        bad.put("tcp://127.0.0.1:1883,tcp://127.0.0.2/path", "'tcp://127.0.0.2/path'");
        bad.put("tcp://127.0.0.1:1883,", "empty entry");
        bad.put(",tcp://127.0.0.1:1883", "empty entry");
        bad.put("tcp://127.0.0.1:1883,,tcp://127.0.0.2", "empty entry");
        bad.put("tcp://127.0.0.1:1883 tcp://127.0.0.2:1883", "not a URI");
        bad.put("tcp://127.0.0.1,tcp://127.0.0.1:1883", "listed twice");
        bad.put("tcp://127.0.0.1,ssl://127.0.0.2", "same scheme");
        bad.forEach((url, expected) -> {
            SettingException e = assertThrows(SettingException.class,
                    () -> MqttMessageBusComponent.parse(Map.of("broker.url", url)), url);
            assertEquals("broker.url", e.key(), e.getMessage());
            assertTrue(e.getMessage().startsWith("broker.url: ") && e.getMessage().contains(expected), e.getMessage());
        });
    }

    /** Secure by default holds for every URL of a list: one remote broker without TLS or an account is enough to refuse. */
    @Test
    void everyUrlOfAListMustBeSecureUnlessInsecure() {
        SettingException e = assertThrows(SettingException.class, () -> MqttMessageBusComponent.parse(
                Map.of("broker.url", "tcp://127.0.0.1:1883,tcp://10.0.0.2:1883")));
        assertEquals("insecure", e.key());
        assertTrue(e.getMessage().contains("tcp://10.0.0.2:1883") && e.getMessage().contains("neither TLS nor an account"),
                e.getMessage());
        SettingException noAccount = assertThrows(SettingException.class, () -> MqttMessageBusComponent.parse(
                Map.of("broker.url", "ssl://localhost:8883,ssl://node-2.example:8883")));
        assertTrue(noAccount.getMessage().contains("ssl://node-2.example:8883") && noAccount.getMessage().contains("no account"),
                noAccount.getMessage());
        MqttMessageBusComponent.parse(Map.of("broker.url", "ssl://node-1.example,ssl://node-2.example:8883",
                "username", "gw", "password", "p"));
        MqttMessageBusComponent.parse(Map.of("broker.url", "tcp://127.0.0.1:1883,tcp://10.0.0.2:1883", "insecure", "true"));
        assertEquals(null, MqttMessageBusComponent.parse(Map.of("broker.url", "tcp://127.0.0.1:1883,tcp://localhost:1884"))
                .insecurity());
    }

    @Test
    void generatesClientIdWithin23Characters() {
        String a = MqttBusSettings.of("tcp://h", null).clientId();
        String b = MqttBusSettings.of("tcp://h", "  ").clientId();
        assertTrue(a.matches("hybridfog-[0-9a-f]{12}"), a);
        assertTrue(a.length() <= 23);
        assertNotEquals(a, b);
        assertEquals("gw-1", MqttBusSettings.of("tcp://h", " gw-1 ").clientId());
    }

    @Test
    void rangesNameTheirKeys() {
        Map<String, Object> props = new HashMap<>(Map.of("broker.url", "tcp://h"));
        assertKey("keepalive.s", props, "keepalive.s", -1);
        assertKey("session.expiry.s", props, "session.expiry.s", 4_294_967_296L);
        assertKey("connect.timeout.s", props, "connect.timeout.s", 0);
        assertKey("max.inflight", props, "max.inflight", 0);
        assertKey("publish.queue.capacity", props, "publish.queue.capacity", 0);
        assertKey("reconnect.max.delay.s", props, "reconnect.max.delay.s", 0);
        assertKey("keepalive.s", props, "keepalive.s", "thirty");
        assertKey("broker.url", new HashMap<>(), "client.id", "x");
    }

    @Test
    void parsesStringsAsFileInstallDeliversThem() {
        MqttBusSettings s = MqttMessageBusComponent.parse(Map.of("broker.url", "tcp://10.0.0.1:1884", "client.id", "gw",
                "insecure", "true", "keepalive.s", "15", "session.expiry.s", "3600", "max.inflight", " 7 ", "password", " p w "));
        assertEquals(15, s.keepAliveS());
        assertEquals(3600, s.sessionExpiryS());
        assertEquals(7, s.maxInflight());
        assertEquals(" p w ", s.password());
        assertEquals(MqttBusSettings.DEFAULT_CONNECT_TIMEOUT_S, s.connectTimeoutS());
    }

    @Test
    void passwordNeverInToString() {
        MqttBusSettings s = MqttMessageBusComponent.parse(Map.of("broker.url", "ssl://h", "username", "u", "password", "s3cr3t-pw"));
        assertFalse(s.toString().contains("s3cr3t-pw"), s.toString());
        assertTrue(s.toString().contains("password=<set>"));
    }

    /** Secure by default: a broker off this machine needs TLS and an account, or an explicit insecure=true. */
    @Test
    void aRemoteBrokerWithoutTlsOrAccountIsRefusedUnlessInsecure() {
        for (String url : List.of("tcp://10.0.0.1:1883", "tcp://broker.example", "tcp://[fe80::1]:1883", "ssl://broker.example")) {
            SettingException e = assertThrows(SettingException.class, () -> MqttMessageBusComponent.parse(Map.of("broker.url", url)), url);
            assertEquals("insecure", e.key());
            assertTrue(e.getMessage().contains("ssl://") && e.getMessage().contains("insecure=true"), e.getMessage());
            assertEquals(url.replaceFirst(":1883$", ""), MqttMessageBusComponent.parse(Map.of("broker.url", url, "insecure", "true"))
                    .brokerUrl().replaceFirst(":(1883|8883)$", ""));
        }
        SettingException noAccount = assertThrows(SettingException.class, () -> MqttMessageBusComponent.parse(
                Map.of("broker.url", "ssl://broker.example:8883")));
        assertTrue(noAccount.getMessage().contains("no account"), noAccount.getMessage());
        SettingException noTls = assertThrows(SettingException.class, () -> MqttMessageBusComponent.parse(
                Map.of("broker.url", "tcp://broker.example", "username", "gw", "password", "p")));
        assertTrue(noTls.getMessage().contains("no TLS"), noTls.getMessage());
        // TLS and an account: accepted; loopback: accepted as it is
        MqttMessageBusComponent.parse(Map.of("broker.url", "ssl://broker.example:8883", "username", "gw", "password", "p"));
        for (String url : List.of("tcp://127.0.0.1:1883", "tcp://localhost", "tcp://127.0.0.2", "tcp://[::1]:1883")) {
            assertEquals(null, MqttMessageBusComponent.parse(Map.of("broker.url", url)).insecurity(), url);
        }
        assertKey("insecure", Map.of("broker.url", "tcp://10.0.0.1"), "insecure", "maybe");
    }

    private static void assertKey(String expectedKey, Map<String, Object> base, String key, Object value) {
        Map<String, Object> props = new HashMap<>(base);
        props.put(key, value);
        SettingException e = assertThrows(SettingException.class, () -> MqttMessageBusComponent.parse(props));
        assertEquals(expectedKey, e.key(), e.getMessage());
    }
}
