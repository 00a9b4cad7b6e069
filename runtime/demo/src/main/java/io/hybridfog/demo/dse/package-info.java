/** {@code hybridfog dse}: design space exploration; runs each model variant's partitions once over a test set and sweeps exit thresholds over the saved outputs (accuracy, exits, energy, offload bytes, Pareto front). */
package io.hybridfog.demo.dse;
