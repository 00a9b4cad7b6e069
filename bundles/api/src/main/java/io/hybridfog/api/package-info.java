/**
 * HybridFog API: the types and service interfaces of a conditionally deep hybrid
 * neural network (Long, Chakraborty, Roy, arXiv 2005.10851) split into a quantized
 * edge partition with an early exit and a full-precision cloud partition.
 * This package holds no implementation.
 *
 * <p>Versioning (docs/api-versioning.md): interfaces marked {@code @ProviderType} are implemented by the bundles
 * that provide a function (the partitions by {@code io.hybridfog.onnx}, the transport by {@code io.hybridfog.mqtt},
 * the energy model by {@code io.hybridfog.energy}, the model catalog by {@code io.hybridfog.onnx}): a method added to
 * one is a minor change. Interfaces marked {@code @ConsumerType} are implemented by any number of plug-ins or
 * callers ({@link io.hybridfog.api.ExitPolicy}, message handlers, result observers): a method added to one is a major
 * change. The build's baseline check enforces it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.hybridfog.api;
