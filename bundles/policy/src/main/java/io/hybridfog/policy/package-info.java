/**
 * Early-exit policies, each registered as an {@link io.hybridfog.api.ExitPolicy} Declarative Services
 * component with service property {@code hybridfog.exit.policy=<name>}. Not exported: inside OSGi, obtain them
 * as services; tests and benchmarks outside OSGi instantiate them from the class path.
 */
package io.hybridfog.policy;
