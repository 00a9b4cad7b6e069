package io.hybridfog.codec;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Decodes untrusted PNG/JPEG bytes with javax.imageio, in memory, refusing anything doubtful. */
final class ImageDecoding {
    private ImageDecoding() {
    }

    static boolean isPng(byte[] b) {
        if (b == null || b.length < PngChunks.SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < PngChunks.SIGNATURE.length; i++) {
            if (b[i] != PngChunks.SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /** JPEG SOI marker followed by the first marker's 0xFF. */
    static boolean isJpeg(byte[] b) {
        return b != null && b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF;
    }

    /**
     * @param width  required width; checked from the header before pixels are decoded, so an
     *               oversized image costs no memory
     * @param height required height
     * @throws HybridFogException MALFORMED_PAYLOAD if not PNG/JPEG, truncated or corrupt (ImageIO failed or warned);
     *                            WRONG_SHAPE if the size differs
     */
    static BufferedImage decode(byte[] bytes, int width, int height) throws HybridFogException {
        String format;
        if (isPng(bytes)) {
            PngChunks.verify(bytes);
            format = "png";
        } else if (isJpeg(bytes)) {
            format = "jpeg";
        } else {
            throw new HybridFogException(ErrorCode.MALFORMED_PAYLOAD, "payload is not a PNG or JPEG image");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new HybridFogException(ErrorCode.INTERNAL, "no ImageIO reader for " + format);
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            if (w != width || h != height) {
                throw new HybridFogException(ErrorCode.WRONG_SHAPE,
                        "image is " + w + "x" + h + " (width x height), the model expects " + width + "x" + height);
            }
            BufferedImage image = reader.read(0);
            if (image == null || !warnings.isEmpty()) {
                // libjpeg reports a truncated or corrupt scan as a warning and fills in gray: refuse it
                throw new HybridFogException(ErrorCode.MALFORMED_PAYLOAD,
                        "corrupt " + format + " image" + (warnings.isEmpty() ? "" : ": " + warnings.get(0)));
            }
            return image;
        } catch (IOException | RuntimeException e) {
            // ImageIO signals broken input with IIOException but also with assorted runtime exceptions
            throw new HybridFogException(ErrorCode.MALFORMED_PAYLOAD, "corrupt " + format + " image: " + e, e);
        } finally {
            reader.dispose();
        }
    }
}
