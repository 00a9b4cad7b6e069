/**
 * The edge gateway's public face: {@link io.hybridfog.edge.GatewayMetrics}, the counters service that shell
 * commands and benchmarks read. The gateway itself is configured through PID {@code io.hybridfog.edge}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.4.0")
package io.hybridfog.edge;
