/**
 * Computational energy from MAC counts: the {@link io.hybridfog.api.EnergyModel} Declarative Services
 * component ({@link io.hybridfog.energy.MacEnergyModel}, ConfigAdmin PID {@code io.hybridfog.energy}) and
 * its per-MAC energy table ({@link io.hybridfog.energy.MacEnergyTable}). Defaults and sources: docs/energy.md.
 * Not exported: inside OSGi, use the service; tests and benchmarks outside OSGi use the same classes from the
 * class path.
 */
package io.hybridfog.energy;
