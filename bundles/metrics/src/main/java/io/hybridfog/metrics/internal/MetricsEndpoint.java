package io.hybridfog.metrics.internal;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;

/**
 * The HTTP endpoint ({@code /metrics}, Prometheus text and OpenMetrics formats; {@code /-/healthy}) over one
 * registry of its own. Collectors add their metrics to {@link #registry()} and remove them when they go.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final HTTPServer server;
    private final InetAddress address;

    /**
     * Listens on {@code address}:{@code port} at once.
     *
     * @throws IOException if the socket cannot be bound (port in use, address not on this host)
     */
    public MetricsEndpoint(InetAddress address, int port) throws IOException {
        this.address = address;
        this.server = HTTPServer.builder().inetAddress(address).port(port).registry(registry).buildAndStart();
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** The address it listens on. */
    public InetAddress address() {
        return address;
    }

    /** The TCP port it listens on. */
    public int port() {
        return server.getPort();
    }

    /** {@code http://<address>:<port>/metrics}. */
    public String url() {
        String host = address.getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/metrics";
    }

    /** Stops listening (requests in flight get at most a second). */
    @Override
    public void close() {
        server.close();
    }
}
