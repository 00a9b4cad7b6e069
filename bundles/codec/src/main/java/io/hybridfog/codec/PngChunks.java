package io.hybridfog.codec;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;

import java.util.zip.CRC32;

/**
 * Structural check of a PNG file (chunk lengths, CRC-32 of every chunk, IHDR first, IEND last)
 * before it reaches ImageIO, whose PNG reader does not verify CRCs: a corrupted byte would
 * otherwise often decode to a silently different image.
 */
final class PngChunks {
    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private PngChunks() {
    }

    /** @throws HybridFogException MALFORMED_PAYLOAD if the chunk structure is broken, truncated or followed by trailing bytes */
    static void verify(byte[] png) throws HybridFogException {
        int pos = SIGNATURE.length;
        boolean first = true;
        while (true) {
            if (png.length - pos < 12) {
                throw corrupt("truncated PNG: no complete chunk at offset " + pos);
            }
            long length = readU32(png, pos);
            if (length > png.length - pos - 12L) {
                throw corrupt("truncated PNG: chunk at offset " + pos + " claims " + length + " data bytes");
            }
            String type = new String(png, pos + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (first && !type.equals("IHDR")) {
                throw corrupt("PNG does not start with an IHDR chunk");
            }
            CRC32 crc = new CRC32();
            crc.update(png, pos + 4, 4 + (int) length);
            int end = pos + 8 + (int) length;
            if (crc.getValue() != readU32(png, end)) {
                throw corrupt("PNG chunk " + printable(type) + " at offset " + pos + " fails its CRC-32 check");
            }
            pos = end + 4;
            first = false;
            if (type.equals("IEND")) {
                if (pos != png.length) {
                    throw corrupt((png.length - pos) + " trailing bytes after the PNG IEND chunk");
                }
                return;
            }
        }
    }

    private static long readU32(byte[] b, int i) {
        return (b[i] & 0xFFL) << 24 | (b[i + 1] & 0xFFL) << 16 | (b[i + 2] & 0xFFL) << 8 | (b[i + 3] & 0xFFL);
    }

    private static String printable(String type) {
        return type.chars().allMatch(c -> c >= 'A' && c <= 'z') ? type : "?";
    }

    private static HybridFogException corrupt(String message) {
        return new HybridFogException(ErrorCode.MALFORMED_PAYLOAD, message);
    }
}
