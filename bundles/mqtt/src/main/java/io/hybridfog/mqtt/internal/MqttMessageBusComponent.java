package io.hybridfog.mqtt.internal;

import io.hybridfog.api.transport.MessageBus;
import io.hybridfog.config.ComponentConfig;
import io.hybridfog.config.Secret;
import io.hybridfog.config.SettingException;
import io.hybridfog.mqtt.MqttBusSettings;
import java.lang.System.Logger.Level;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration PID {@code io.hybridfog.mqtt} (or factory configurations of it, one bus each): connects a
 * {@link PahoMessageBus} and registers it as a {@link MessageBus} service once the first connection succeeds,
 * so consumers activate only when the broker is reachable (later outages are bridged by reconnecting).
 *
 * <p>The service is registered by hand, not by DS, so that configuration values (the password) do not become
 * service properties; it carries only {@code broker.url} and {@code client.id}. Consumers can select a bus with a
 * target filter, e.g. {@code bus.target=(client.id=gateway-1)}.
 */
@Component(configurationPid = MqttMessageBusComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = MqttMessageBusComponent.Config.class)
public final class MqttMessageBusComponent {
    public static final String PID = "io.hybridfog.mqtt";
    private static final System.Logger LOG = System.getLogger(MqttMessageBusComponent.class.getName());

    @ObjectClassDefinition(name = "HybridFog MQTT message bus",
            description = "MQTT 5 connection (Eclipse Paho): QoS 1, persistent session, automatic reconnect.")
    public @interface Config {
        @AttributeDefinition(name = "Broker URL", description = "tcp://host:port or ssl://host:port; several, "
                + "comma-separated (same scheme), are tried in order on every connect and reconnect (fail-over "
                + "between the nodes of a broker cluster)")
        String broker_url();

        @AttributeDefinition(name = "Client id", required = false, description = "Empty: hybridfog-<random>")
        String client_id() default "";

        @AttributeDefinition(name = "User name", required = false)
        String username() default "";

        @AttributeDefinition(name = "Password", required = false, type = AttributeType.PASSWORD)
        @Secret
        String password() default "";

        @AttributeDefinition(name = "Keep-alive (s)", min = "0", max = "65535")
        int keepalive_s() default MqttBusSettings.DEFAULT_KEEPALIVE_S;

        @AttributeDefinition(name = "Session expiry (s)", min = "0", max = "4294967295",
                description = "How long the broker keeps the session (subscriptions, queued QoS 1 messages) across a connection loss")
        long session_expiry_s() default MqttBusSettings.DEFAULT_SESSION_EXPIRY_S;

        @AttributeDefinition(name = "Connect timeout (s)", min = "1", max = "3600",
                description = "Per connect attempt; also how long publish/subscribe wait for a connection")
        int connect_timeout_s() default MqttBusSettings.DEFAULT_CONNECT_TIMEOUT_S;

        @AttributeDefinition(name = "Max in-flight publishes", min = "1", max = "65535",
                description = "Lowered further to the broker's Receive Maximum")
        int max_inflight() default MqttBusSettings.DEFAULT_MAX_INFLIGHT;

        @AttributeDefinition(name = "Publish queue capacity", min = "1", max = "1000000")
        int publish_queue_capacity() default MqttBusSettings.DEFAULT_PUBLISH_QUEUE_CAPACITY;

        @AttributeDefinition(name = "Max reconnect delay (s)", min = "1", max = "3600")
        int reconnect_max_delay_s() default MqttBusSettings.DEFAULT_RECONNECT_MAX_DELAY_S;

        @AttributeDefinition(name = "Publish wait (s)", min = "1", max = "86400",
                description = "How long a publish waits for a connection while the broker is unreachable")
        int publish_wait_s() default MqttBusSettings.DEFAULT_PUBLISH_WAIT_S;

        @AttributeDefinition(name = "Status topic", required = false,
                description = "Retained online/offline status of this client (offline is its last will); empty: none")
        String status_topic() default "";

        @AttributeDefinition(name = "TLS CA file", required = false,
                description = "PEM CA certificate(s) trusted for ssl:// brokers; empty: the JVM's trust store")
        String tls_ca_file() default "";

        @AttributeDefinition(name = "TLS client keystore", required = false,
                description = "PKCS#12 client certificate and key, if the broker requires one")
        String tls_keystore() default "";

        @AttributeDefinition(name = "TLS client keystore password", required = false, type = AttributeType.PASSWORD)
        @Secret
        String tls_keystore_password() default "";

        @AttributeDefinition(name = "Allow an insecure broker connection", required = false,
                description = "A broker that is not on loopback must be ssl:// with username/password unless this is true")
        boolean insecure() default false;
    }

    private final Object lock = new Object();
    private PahoMessageBus bus;
    private ServiceRegistration<MessageBus> registration; // guarded by lock
    private boolean active; // guarded by lock

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) throws ConfigurationException {
        MqttBusSettings settings;
        try {
            settings = parse(properties);
            bus = new PahoMessageBus(settings);
        } catch (SettingException e) {
            LOG.log(Level.ERROR, "invalid configuration " + PID + ": " + e.getMessage());
            throw new ConfigurationException(e.key(), e.getMessage());
        }
        synchronized (lock) {
            active = true;
        }
        PahoMessageBus b = bus;
        b.onFirstConnect(() -> register(context, b));
        b.start();
    }

    @Deactivate
    void deactivate() {
        ServiceRegistration<MessageBus> reg;
        synchronized (lock) {
            active = false;
            reg = registration;
            registration = null;
        }
        if (reg != null) {
            try {
                reg.unregister();
            } catch (IllegalStateException alreadyGone) {
                // bundle stopping
            }
        }
        bus.close();
    }

    /**
     * Parses and validates a configuration dictionary; {@link SettingException} names the offending key. A broker
     * that is not on loopback without TLS and an account ({@link MqttBusSettings#insecurity()}) is refused unless
     * {@code insecure=true}.
     */
    static MqttBusSettings parse(Map<String, ?> properties) {
        Config c = ComponentConfig.read(Config.class, properties);
        MqttBusSettings settings = new MqttBusSettings(c.broker_url(), c.client_id(), c.username(), c.password(),
                c.keepalive_s(), c.session_expiry_s(), c.connect_timeout_s(), c.max_inflight(), c.publish_queue_capacity(),
                c.reconnect_max_delay_s(), c.publish_wait_s(), c.status_topic(),
                new MqttBusSettings.TlsFiles(c.tls_ca_file(), c.tls_keystore(), c.tls_keystore_password()));
        String insecurity = settings.insecurity();
        if (insecurity != null && !c.insecure()) {
            throw new SettingException("insecure", insecurity + ": anyone on the network could read samples and forge "
                    + "results. Use broker.url=ssl://host:8883 with tls.ca.file, username and password (docs/security.md: "
                    + "config/mosquitto/hybridfog-secure-setup makes them), or set insecure=true to accept this");
        }
        return settings;
    }

    private void register(BundleContext context, PahoMessageBus b) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("broker.url", b.settings().brokerUrl());
        props.put("client.id", b.clientId());
        props.put(Constants.SERVICE_DESCRIPTION, "HybridFog MQTT 5 message bus");
        synchronized (lock) {
            if (!active) {
                return;
            }
        }
        // Registered outside the lock: consumers activate (and subscribe) synchronously inside registerService.
        ServiceRegistration<MessageBus> reg = context.registerService(MessageBus.class, b, props);
        boolean keep;
        synchronized (lock) {
            keep = active;
            if (keep) {
                registration = reg;
            }
        }
        if (!keep) {
            reg.unregister(); // deactivated meanwhile
            return;
        }
        LOG.log(Level.INFO, "MessageBus {0} registered", b.clientId());
    }
}
