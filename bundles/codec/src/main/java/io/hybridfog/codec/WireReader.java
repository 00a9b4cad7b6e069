package io.hybridfog.codec;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;

/** Little-endian cursor over an untrusted byte array; every read past the end is a MALFORMED_PAYLOAD. */
final class WireReader {
    private final byte[] bytes;
    private int pos;

    WireReader(byte[] bytes) {
        this.bytes = bytes;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return bytes.length - pos;
    }

    int u8(String what) throws HybridFogException {
        need(1, what);
        return bytes[pos++] & 0xFF;
    }

    int i32(String what) throws HybridFogException {
        need(4, what);
        int v = (bytes[pos] & 0xFF) | (bytes[pos + 1] & 0xFF) << 8 | (bytes[pos + 2] & 0xFF) << 16 | bytes[pos + 3] << 24;
        pos += 4;
        return v;
    }

    /** Returns the offset of {@code n} bytes and skips them. */
    int skip(int n, String what) throws HybridFogException {
        need(n, what);
        int start = pos;
        pos += n;
        return start;
    }

    private void need(int n, String what) throws HybridFogException {
        if (n > remaining()) {
            throw new HybridFogException(ErrorCode.MALFORMED_PAYLOAD,
                    "truncated HFT tensor: " + what + " needs " + n + " byte(s) at offset " + pos + ", " + remaining() + " left");
        }
    }
}
