package io.hybridfog.mqtt;

import io.hybridfog.config.SettingException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Validated settings of one MQTT connection (configuration PID {@code io.hybridfog.mqtt}).
 * The constructor validates every value and throws {@link SettingException} naming the key.
 *
 * @param brokerUrl            {@code tcp://host[:port]} or {@code ssl://host[:port]}, or a comma-separated list of such
 *                             URLs, all with the same scheme, that the client tries in order on every connect and
 *                             reconnect (fail-over between the nodes of a broker cluster); normalized to
 *                             {@code scheme://host:port} entries joined by {@code ,} (key {@code broker.url})
 * @param clientId             MQTT client identifier; null or blank → {@code hybridfog-<12 hex digits>} (key {@code client.id})
 * @param username             user name, or null (key {@code username})
 * @param password             password, or null; never logged (key {@code password})
 * @param keepAliveS           keep-alive interval, seconds, 0..65535 (key {@code keepalive.s})
 * @param sessionExpiryS       session expiry interval, seconds, 0..4294967295 (key {@code session.expiry.s})
 * @param connectTimeoutS      per-attempt connect timeout and the longest time publish/subscribe wait for a
 *                             connection, seconds, 1..3600 (key {@code connect.timeout.s})
 * @param maxInflight          unacknowledged QoS 1 publishes at once, 1..65535; the broker's Receive Maximum
 *                             lowers it further (key {@code max.inflight})
 * @param publishQueueCapacity publishes waiting for an in-flight slot or a connection, 1..1000000
 *                             (key {@code publish.queue.capacity})
 * @param reconnectMaxDelayS   longest pause between reconnect attempts, seconds, 1..3600 (key {@code reconnect.max.delay.s})
 * @param publishWaitS         how long a publish may wait in the queue for a connection (store-and-forward in memory
 *                             while the broker is unreachable), seconds from submission, 1..86400; publishes that
 *                             were in flight when the connection dropped are queued again (key {@code publish.wait.s})
 * @param statusTopic          where this client announces itself: a retained {@code {"clientId":..,"state":"online"}}
 *                             after each connect, and the same with {@code "offline"} as its will (sent by the broker
 *                             when the connection is lost) and on a graceful close; null for none (key
 *                             {@code status.topic})
 * @param tlsFiles             trust and key material for {@code ssl://} URLs; the JVM defaults where a file is null
 */
public record MqttBusSettings(String brokerUrl, String clientId, String username, String password, int keepAliveS,
                              long sessionExpiryS, int connectTimeoutS, int maxInflight, int publishQueueCapacity,
                              int reconnectMaxDelayS, int publishWaitS, String statusTopic, TlsFiles tlsFiles) {

    /**
     * TLS material, read when the client connects. The broker's certificate is always verified, including its host
     * name against the certificate's subject alternative names.
     *
     * @param caFile           PEM file with the CA certificate(s) to trust; null: the JVM's default trust store
     *                         (key {@code tls.ca.file})
     * @param keystore         PKCS#12 file with this client's certificate and private key, for brokers that require
     *                         client certificates; null for none (key {@code tls.keystore})
     * @param keystorePassword password of {@code keystore}; never logged (key {@code tls.keystore.password})
     */
    public record TlsFiles(String caFile, String keystore, String keystorePassword) {
        public static final TlsFiles NONE = new TlsFiles(null, null, null);

        /** Empty values mean none: a blank file name or an empty password becomes null. */
        public TlsFiles {
            caFile = caFile == null || caFile.isBlank() ? null : caFile.trim();
            keystore = keystore == null || keystore.isBlank() ? null : keystore.trim();
            keystorePassword = keystorePassword == null || keystorePassword.isEmpty() ? null : keystorePassword;
        }

        @Override
        public String toString() {
            return "tls.ca.file=" + caFile + ", tls.keystore=" + keystore + ", tls.keystore.password="
                    + (keystorePassword == null ? "<none>" : "<set>");
        }
    }

    public static final int DEFAULT_KEEPALIVE_S = 30;
    public static final long DEFAULT_SESSION_EXPIRY_S = 300;
    public static final int DEFAULT_CONNECT_TIMEOUT_S = 10;
    public static final int DEFAULT_MAX_INFLIGHT = 100;
    public static final int DEFAULT_PUBLISH_QUEUE_CAPACITY = 10_000;
    public static final int DEFAULT_RECONNECT_MAX_DELAY_S = 30;
    public static final int DEFAULT_PUBLISH_WAIT_S = 300;

    private static final SecureRandom RANDOM = new SecureRandom();

    public MqttBusSettings {
        brokerUrl = String.join(",", validateUrls(brokerUrl));
        clientId = clientId == null || clientId.isBlank() ? randomClientId() : clientId.trim();
        if (clientId.getBytes(StandardCharsets.UTF_8).length > 65535) {
            throw new SettingException("client.id", "longer than 65535 UTF-8 bytes");
        }
        username = username == null || username.isEmpty() ? null : username;
        password = password == null || password.isEmpty() ? null : password;
        SettingException.requireRange("keepalive.s", keepAliveS, 0, 65535);
        SettingException.requireRange("session.expiry.s", sessionExpiryS, 0, 4_294_967_295L);
        SettingException.requireRange("connect.timeout.s", connectTimeoutS, 1, 3600);
        SettingException.requireRange("max.inflight", maxInflight, 1, 65535);
        SettingException.requireRange("publish.queue.capacity", publishQueueCapacity, 1, 1_000_000);
        SettingException.requireRange("reconnect.max.delay.s", reconnectMaxDelayS, 1, 3600);
        SettingException.requireRange("publish.wait.s", publishWaitS, 1, 86_400);
        statusTopic = statusTopic == null || statusTopic.isBlank() ? null : statusTopic.trim();
        if (statusTopic != null && (statusTopic.contains("+") || statusTopic.contains("#"))) {
            throw new SettingException("status.topic", "must be a topic name without wildcards, got '" + statusTopic + "'");
        }
        tlsFiles = tlsFiles == null ? TlsFiles.NONE : tlsFiles;
        if (!brokerUrl.startsWith("ssl://") && (tlsFiles.caFile() != null || tlsFiles.keystore() != null)) {
            throw new SettingException("tls.ca.file", "TLS files are set but broker.url is not ssl://: " + brokerUrl);
        }
    }

    /**
     * What is insecure about this connection, or null if nothing is: a broker that is not on this machine's loopback
     * interface (host {@code localhost}, 127.0.0.0/8 or {@code ::1}) reached without TLS ({@code ssl://}) or without
     * an account. On such a connection anyone on the network path or any client of an anonymous broker can read
     * samples and forge results for a device. No name resolution is done: only those literal hosts count as local.
     * With several broker URLs each is checked: the first insecure one is named.
     *
     * @return a sentence naming what is missing, or null
     */
    public String insecurity() {
        for (String url : brokerUrls()) {
            String problem = insecurity(url);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** The broker URLs in the order the client tries them: one or more, each {@code scheme://host:port}. */
    public List<String> brokerUrls() {
        return List.of(brokerUrl.split(","));
    }

    private String insecurity(String url) {
        String host = URI.create(url).getHost();
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        boolean loopback = bare.equalsIgnoreCase("localhost") || bare.matches("127(\\.\\d{1,3}){3}")
                || bare.equals("::1") || bare.equals("0:0:0:0:0:0:0:1");
        if (loopback) {
            return null;
        }
        boolean tls = url.startsWith("ssl://");
        if (tls && username != null) {
            return null;
        }
        return "broker " + url + " is not on loopback and the connection has "
                + (!tls && username == null ? "neither TLS nor an account" : !tls ? "no TLS" : "no account");
    }

    /** Settings with defaults for everything but the broker URL; for tests and plain-Java wiring. */
    public static MqttBusSettings of(String brokerUrl, String clientId) {
        return new MqttBusSettings(brokerUrl, clientId, null, null, DEFAULT_KEEPALIVE_S, DEFAULT_SESSION_EXPIRY_S,
                DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_MAX_INFLIGHT, DEFAULT_PUBLISH_QUEUE_CAPACITY,
                DEFAULT_RECONNECT_MAX_DELAY_S, DEFAULT_PUBLISH_WAIT_S, null, TlsFiles.NONE);
    }

    /** A copy with another connect timeout (seconds). */
    public MqttBusSettings withConnectTimeoutS(int seconds) {
        return new MqttBusSettings(brokerUrl, clientId, username, password, keepAliveS, sessionExpiryS, seconds,
                maxInflight, publishQueueCapacity, reconnectMaxDelayS, publishWaitS, statusTopic, tlsFiles);
    }

    /** A copy with another in-flight limit. */
    public MqttBusSettings withMaxInflight(int limit) {
        return new MqttBusSettings(brokerUrl, clientId, username, password, keepAliveS, sessionExpiryS,
                connectTimeoutS, limit, publishQueueCapacity, reconnectMaxDelayS, publishWaitS, statusTopic, tlsFiles);
    }

    /** A copy with another publish wait (seconds). */
    public MqttBusSettings withPublishWaitS(int seconds) {
        return new MqttBusSettings(brokerUrl, clientId, username, password, keepAliveS, sessionExpiryS, connectTimeoutS,
                maxInflight, publishQueueCapacity, reconnectMaxDelayS, seconds, statusTopic, tlsFiles);
    }

    /** A copy with these credentials (null for none). */
    public MqttBusSettings withCredentials(String user, String pass) {
        return new MqttBusSettings(brokerUrl, clientId, user, pass, keepAliveS, sessionExpiryS, connectTimeoutS,
                maxInflight, publishQueueCapacity, reconnectMaxDelayS, publishWaitS, statusTopic, tlsFiles);
    }

    /** A copy with this status topic (null for none). */
    public MqttBusSettings withStatusTopic(String topic) {
        return new MqttBusSettings(brokerUrl, clientId, username, password, keepAliveS, sessionExpiryS, connectTimeoutS,
                maxInflight, publishQueueCapacity, reconnectMaxDelayS, publishWaitS, topic, tlsFiles);
    }

    /** A copy with this TLS material. */
    public MqttBusSettings withTlsFiles(TlsFiles files) {
        return new MqttBusSettings(brokerUrl, clientId, username, password, keepAliveS, sessionExpiryS, connectTimeoutS,
                maxInflight, publishQueueCapacity, reconnectMaxDelayS, publishWaitS, statusTopic, files);
    }

    /** True for {@code ssl://} URLs (all URLs of a list share their scheme). */
    public boolean tls() {
        return brokerUrl.startsWith("ssl://");
    }

    @Override
    public String toString() {
        // The password never appears in logs, not even its length.
        return "MqttBusSettings[broker.url=" + brokerUrl + ", client.id=" + clientId + ", username=" + username
                + ", password=" + (password == null ? "<none>" : "<set>") + ", keepalive.s=" + keepAliveS
                + ", session.expiry.s=" + sessionExpiryS + ", connect.timeout.s=" + connectTimeoutS
                + ", max.inflight=" + maxInflight + ", publish.queue.capacity=" + publishQueueCapacity
                + ", reconnect.max.delay.s=" + reconnectMaxDelayS + ", publish.wait.s=" + publishWaitS
                + ", status.topic=" + statusTopic
                + (tls() ? ", " + tlsFiles : "") + "]";
    }

    /** Splits a comma-separated list and validates each entry; all entries must share one scheme. */
    private static List<String> validateUrls(String urls) {
        if (urls == null || urls.isBlank()) {
            throw new SettingException("broker.url", "required, e.g. tcp://127.0.0.1:1883 or ssl://broker:8883 "
                    + "(several, comma-separated, for fail-over: ssl://node-1:8883,ssl://node-2:8883)");
        }
        List<String> valid = new ArrayList<>();
        for (String entry : urls.split(",", -1)) {
            if (entry.isBlank()) {
                throw new SettingException("broker.url", "empty entry in the list '" + urls.trim()
                        + "': give URLs separated by single commas");
            }
            String url = validateUrl(entry.trim());
            if (valid.contains(url)) {
                throw new SettingException("broker.url", "'" + url + "' is listed twice in '" + urls.trim() + "'");
            }
            if (!valid.isEmpty() && !url.regionMatches(0, valid.get(0), 0, 6)) {
                throw new SettingException("broker.url", "all URLs of a list must use the same scheme (tcp:// or "
                        + "ssl://), got '" + valid.get(0) + "' and '" + url + "'");
            }
            valid.add(url);
        }
        return valid;
    }

    private static String validateUrl(String trimmed) {
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new SettingException("broker.url", "not a URI: '" + trimmed + "' (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme();
        if (!"tcp".equals(scheme) && !"ssl".equals(scheme)) {
            throw new SettingException("broker.url", "scheme must be tcp or ssl, got '" + trimmed + "'");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new SettingException("broker.url", "missing or invalid host in '" + trimmed + "'");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new SettingException("broker.url", "port out of range in '" + trimmed + "'");
        }
        if ((uri.getPath() != null && !uri.getPath().isEmpty()) || uri.getQuery() != null || uri.getUserInfo() != null) {
            throw new SettingException("broker.url", "only scheme://host[:port] is allowed, got '" + trimmed + "'");
        }
        // Paho needs an explicit port.
        int port = uri.getPort() > 0 ? uri.getPort() : ("ssl".equals(scheme) ? 8883 : 1883);
        return scheme + "://" + uri.getHost() + ":" + port;
    }

    private static String randomClientId() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        // 22 characters: within the 23 every MQTT server must accept.
        return "hybridfog-" + HexFormat.of().formatHex(b);
    }
}
