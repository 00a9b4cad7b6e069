/**
 * Early-exit policies, each registered as an {@link io.hybridfog.api.ExitPolicy} Declarative Services
 * component with service property {@code hybridfog.exit.policy=<name>}. Exported so that tests and
 * benchmarks outside OSGi can instantiate them directly; inside OSGi, obtain them as services.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package io.hybridfog.policy;
