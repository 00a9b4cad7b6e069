package io.hybridfog.metrics.internal;

import io.hybridfog.config.ComponentConfig;
import io.hybridfog.config.SettingException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * Validated settings of the metrics endpoint (configuration PID {@code io.hybridfog.metrics}).
 *
 * @param enabled     serve the metrics over HTTP (key {@code enabled}, default false: no socket is opened)
 * @param bindAddress the local address the endpoint listens on (key {@code bind.address}, default
 *                    {@value #DEFAULT_BIND_ADDRESS}: loopback only); {@code 0.0.0.0} listens on every interface
 * @param port        the TCP port (key {@code port}, default {@value #DEFAULT_PORT})
 */
public record MetricsSettings(boolean enabled, InetAddress bindAddress, int port) {
    public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
    public static final int DEFAULT_PORT = 9464;

    public MetricsSettings {
        if (bindAddress == null) {
            throw new SettingException("bind.address", "must not be empty");
        }
        SettingException.requireRange("port", port, 1, 65535);
    }

    /**
     * Parses a ConfigAdmin dictionary through {@link MetricsEndpointComponent.Config} (keys and defaults);
     * {@link SettingException} names the offending key.
     */
    public static MetricsSettings parse(Map<String, ?> properties) {
        MetricsEndpointComponent.Config c = ComponentConfig.read(MetricsEndpointComponent.Config.class, properties);
        String address = c.bind_address();
        InetAddress bind;
        try {
            bind = InetAddress.getByName(address);
        } catch (UnknownHostException | SecurityException e) {
            throw new SettingException("bind.address", "not an address of this host: '" + address + "'");
        }
        return new MetricsSettings(c.enabled(), bind, c.port());
    }
}
