/**
 * HybridFog API: the types and service interfaces of a conditionally deep hybrid
 * neural network (Long, Chakraborty, Roy, arXiv 2005.10851) split into a quantized
 * edge partition with an early exit and a full-precision cloud partition.
 * This package holds no implementation.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package io.hybridfog.api;
