package io.hybridfog.codec;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.InputSpec;
import io.hybridfog.api.Tensor;

/**
 * What a gateway does with a device's sample payload (docs/wire-format.md): it accepts
 * <ul>
 *   <li>a PNG or JPEG image, decoded and normalized by {@link ImagePreprocessor#fromImage};</li>
 *   <li>an HFT tensor with UINT8 encoding: raw pixels in C, H, W order, normalized like an image;</li>
 *   <li>an HFT tensor with FLOAT32 encoding: input that the device already normalized, used as it is.</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class SampleDecoder {
    private final ImagePreprocessor preprocessor;
    private final int maxPayloadBytes;

    /**
     * @param spec            the model input (see {@link ImagePreprocessor#ImagePreprocessor})
     * @param maxPayloadBytes largest payload accepted, bytes, &gt;= 1
     * @throws IllegalArgumentException on an invalid spec or maxPayloadBytes &lt; 1
     */
    public SampleDecoder(InputSpec spec, int maxPayloadBytes) {
        if (maxPayloadBytes < 1) {
            throw new IllegalArgumentException("maxPayloadBytes must be >= 1, got " + maxPayloadBytes);
        }
        this.preprocessor = new ImagePreprocessor(spec);
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /**
     * @param payload the device's message payload
     * @return normalized float32 [1, C, H, W]
     * @throws HybridFogException PAYLOAD_TOO_LARGE if longer than maxPayloadBytes (checked first);
     *                            MALFORMED_PAYLOAD if empty, neither image nor HFT, or corrupt;
     *                            WRONG_SHAPE if the image or tensor shape is not the spec's [C, H, W] or [1, C, H, W];
     *                            WRONG_DTYPE for a BINARY tensor, an unknown HFT encoding or an unsupported image type;
     *                            NON_FINITE_VALUES for NaN or infinity in a FLOAT32 tensor
     */
    public Tensor decode(byte[] payload) throws HybridFogException {
        if (payload != null && payload.length > maxPayloadBytes) {
            throw new HybridFogException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "payload is " + payload.length + " bytes, at most " + maxPayloadBytes + " accepted");
        }
        if (payload == null || payload.length == 0) {
            throw new HybridFogException(ErrorCode.MALFORMED_PAYLOAD, "empty payload");
        }
        if (ImagePreprocessor.looksLikeImage(payload)) {
            return preprocessor.fromImage(payload);
        }
        if (TensorCodec.looksLikeTensor(payload)) {
            return fromTensor(payload);
        }
        throw new HybridFogException(ErrorCode.MALFORMED_PAYLOAD, "payload is neither a PNG/JPEG image nor an HFT tensor");
    }

    private Tensor fromTensor(byte[] payload) throws HybridFogException {
        // the byte limit already bounds the element count (at most 8 per byte); the shape check below is the real limit
        int maxElements = (int) Math.min(Integer.MAX_VALUE, 8L * maxPayloadBytes);
        TensorCodec.Decoded decoded = TensorCodec.decode(payload, maxElements);
        Tensor t = decoded.tensor();
        preprocessor.checkShape(t.shape());
        InputSpec spec = preprocessor.spec();
        long[] batchShape = {1, spec.channels(), spec.height(), spec.width()};
        return switch (decoded.header().encoding()) {
            case FLOAT32 -> new Tensor(batchShape, t.data()); // finite values checked by decode
            case UINT8 -> preprocessor.fromPixels(toBytes(t.data()), t.shape());
            case BINARY -> throw new HybridFogException(ErrorCode.WRONG_DTYPE,
                    "a BINARY tensor is not a model input; send an image, UINT8 pixels or FLOAT32 normalized values");
        };
    }

    /** UINT8 tensors decode to the exact integers 0..255. */
    private static byte[] toBytes(float[] values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) (int) values[i];
        }
        return b;
    }
}
