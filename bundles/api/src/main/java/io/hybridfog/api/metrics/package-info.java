/**
 * Monitoring hooks: what a node tells a metrics exporter (bundle {@code io.hybridfog.metrics}) beyond the counters
 * its components already offer. This package holds no implementation.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.hybridfog.api.metrics;
