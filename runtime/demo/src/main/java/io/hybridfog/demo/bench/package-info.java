/** {@code hybridfog bench} (the gateway against a plain ONNX Runtime loop: throughput, CPU per sample by thread, latency, batch sweeps) and {@code hybridfog bench-partitions} (edge partitions in several export forms). */
package io.hybridfog.demo.bench;
