/**
 * Byte-level codecs of HybridFog: the HFT tensor wire format ({@link io.hybridfog.codec.TensorCodec},
 * docs/wire-format.md), image decoding and training-identical normalization
 * ({@link io.hybridfog.codec.ImagePreprocessor}), device payload handling
 * ({@link io.hybridfog.codec.SampleDecoder}), result JSON ({@link io.hybridfog.codec.ResultCodec})
 * and softmax math ({@link io.hybridfog.codec.Softmax}). Plain classes, thread-safe, no services.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package io.hybridfog.codec;
