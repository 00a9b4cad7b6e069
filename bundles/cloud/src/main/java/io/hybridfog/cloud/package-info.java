/**
 * The cloud worker's public face: {@link io.hybridfog.cloud.CloudWorkerMetrics}. The worker itself is configured
 * through PID {@code io.hybridfog.cloud}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package io.hybridfog.cloud;
