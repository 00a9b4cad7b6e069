/**
 * Computational energy from MAC counts: the {@link io.hybridfog.api.EnergyModel} Declarative Services
 * component ({@link io.hybridfog.energy.MacEnergyModel}, ConfigAdmin PID {@code io.hybridfog.energy}) and
 * its per-MAC energy table ({@link io.hybridfog.energy.MacEnergyTable}). Defaults and sources: docs/energy.md.
 * Exported so that tests and benchmarks outside OSGi can use the same numbers.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package io.hybridfog.energy;
