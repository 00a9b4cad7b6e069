package io.hybridfog.metrics.internal;

import io.hybridfog.config.SettingException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration PID {@code io.hybridfog.metrics}: with {@code enabled=true}, serves Prometheus metrics on
 * {@code http://<bind.address>:<port>/metrics} and registers the {@link MetricsEndpoint} (a service private to this
 * bundle) that the collectors of this bundle add their metrics to. Without a configuration, or with
 * {@code enabled=false}, it opens no socket and the collectors stay inactive (nothing is measured on the message path).
 * A change of the configuration restarts the endpoint.
 */
@Component(configurationPid = MetricsEndpointComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true, service = {})
@Designate(ocd = MetricsEndpointComponent.Config.class)
public final class MetricsEndpointComponent {
    public static final String PID = "io.hybridfog.metrics";
    private static final System.Logger LOG = System.getLogger(MetricsEndpointComponent.class.getName());

    @ObjectClassDefinition(name = "HybridFog Prometheus metrics",
            description = "HTTP endpoint with the gateway's and cloud worker's metrics in the Prometheus formats")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Serve /metrics over HTTP; false: no socket is opened")
        boolean enabled() default false;

        @AttributeDefinition(name = "Bind address", description = "Local address to listen on; 127.0.0.1: this host "
                + "only; 0.0.0.0: every interface (put a firewall or a reverse proxy with TLS in front)")
        String bind_address() default MetricsSettings.DEFAULT_BIND_ADDRESS;

        @AttributeDefinition(name = "Port", min = "1", max = "65535")
        int port() default MetricsSettings.DEFAULT_PORT;
    }

    private MetricsEndpoint endpoint;
    private ServiceRegistration<MetricsEndpoint> registration;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) throws ConfigurationException, IOException {
        MetricsSettings settings;
        try {
            settings = MetricsSettings.parse(properties);
        } catch (SettingException e) {
            LOG.log(Level.ERROR, "invalid configuration " + PID + ": " + e.getMessage());
            throw new ConfigurationException(e.key(), e.getMessage());
        }
        if (!settings.enabled()) {
            LOG.log(Level.INFO, "metrics endpoint off ({0} enabled=false)", PID);
            return;
        }
        try {
            endpoint = new MetricsEndpoint(settings.bindAddress(), settings.port());
        } catch (IOException e) {
            String why = "metrics endpoint cannot listen on " + settings.bindAddress().getHostAddress() + ":"
                    + settings.port() + ": " + e;
            LOG.log(Level.ERROR, why);
            throw new IOException(why, e);
        }
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("metrics.address", endpoint.address().getHostAddress());
        props.put("metrics.port", endpoint.port());
        registration = context.registerService(MetricsEndpoint.class, endpoint, props);
        LOG.log(Level.INFO, "metrics on {0}", endpoint.url());
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister(); // collectors remove their metrics first
            registration = null;
        }
        if (endpoint != null) {
            endpoint.close();
            endpoint = null;
        }
    }
}
