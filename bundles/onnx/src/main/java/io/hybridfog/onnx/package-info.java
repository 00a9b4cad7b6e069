/**
 * Edge and cloud partitions of hybrid models on ONNX Runtime.
 *
 * <p>Inside OSGi this bundle owns the JVM's single {@code OrtEnvironment} ({@link io.hybridfog.onnx.OnnxEnvironment}
 * service, configuration PID {@code io.hybridfog.onnx}) and registers an {@link io.hybridfog.api.EdgePartition} or
 * {@link io.hybridfog.api.CloudPartition} service for every partition of every started model bundle
 * (headers and metadata: docs/model-format.md).
 *
 * <p>Not exported: other bundles use the partitions as services. Outside OSGi (tests, benchmarks, tooling) the same
 * code is reached from the class path through {@link io.hybridfog.onnx.OnnxPartitions}
 * (one partition from ONNX bytes) and {@link io.hybridfog.onnx.ModelBundleLoader} (a whole model bundle jar).
 */
package io.hybridfog.onnx;
