package io.hybridfog.codec;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;

/**
 * 1 bit per element for tensors whose values are all -1 or +1 (binary edge features):
 * element i is bit {@code 7 - i % 8} of byte {@code i / 8} (most significant bit first), 1 = +1, 0 = -1.
 */
final class BitPacking {
    private BitPacking() {
    }

    static int packedLength(long elements) {
        return Math.toIntExact((elements + 7) / 8);
    }

    /** @throws IllegalArgumentException if a value is not exactly -1 or +1 */
    static void pack(float[] values, byte[] out, int offset) {
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (v == 1f) {
                out[offset + (i >>> 3)] |= (byte) (0x80 >>> (i & 7));
            } else if (v != -1f) {
                throw new IllegalArgumentException("BINARY encoding needs every value to be -1 or +1, element " + i + " is " + v);
            }
        }
    }

    /** @throws HybridFogException MALFORMED_PAYLOAD if the unused bits of the last byte are not 0 */
    static float[] unpack(byte[] in, int offset, int elements) throws HybridFogException {
        float[] values = new float[elements];
        for (int i = 0; i < elements; i++) {
            values[i] = (in[offset + (i >>> 3)] & (0x80 >>> (i & 7))) != 0 ? 1f : -1f;
        }
        int used = elements & 7;
        if (used != 0) {
            int unusedMask = 0xFF >>> used;
            if ((in[offset + packedLength(elements) - 1] & unusedMask) != 0) {
                // a canonical encoding keeps them 0; anything else points at a framing error
                throw new HybridFogException(ErrorCode.MALFORMED_PAYLOAD, "BINARY tensor: unused trailing bits of the last byte are not 0");
            }
        }
        return values;
    }
}
