package org.rsna22.io.codec;

import ome.codecs.JPEG2000Codec;
import ome.codecs.JPEG2000CodecOptions;
import org.rsna22.io.IoErrors;

/** JPEG 2000 (part 1 codestream or JP2) decoding through ome-codecs' jj2000, one grayscale component. */
public final class Jpeg2000Decoder {
    private Jpeg2000Decoder() {
    }

    /** Decodes to raw sample bit patterns (the caller masks and sign-extends to BitsStored). */
    public static int[] decode(byte[] data, int rows, int columns) throws CodecException {
        JPEG2000CodecOptions options = JPEG2000CodecOptions.getDefaultOptions();
        options.littleEndian = true;
        options.interleaved = false;
        byte[] raw;
        try {
            raw = new JPEG2000Codec().decompress(data, options);
        } catch (ome.codecs.CodecException | RuntimeException e) {
            throw new CodecException("JPEG 2000 stream cannot be decoded: " + IoErrors.rootMessage(e), e);
        }
        int pixels = rows * columns;
        if (raw == null || raw.length == 0 || raw.length % pixels != 0) {
            throw new CodecException("JPEG 2000 stream decoded to " + (raw == null ? 0 : raw.length)
                    + " bytes, not a whole number of samples for " + columns + "×" + rows);
        }
        int bytesPerSample = raw.length / pixels;
        int[] out = new int[pixels];
        switch (bytesPerSample) {
            case 1 -> {
                for (int i = 0; i < pixels; i++) {
                    out[i] = raw[i] & 0xFF;
                }
            }
            case 2 -> {
                for (int i = 0, j = 0; i < pixels; i++, j += 2) {
                    out[i] = (raw[j] & 0xFF) | ((raw[j + 1] & 0xFF) << 8);
                }
            }
            case 4 -> {
                for (int i = 0, j = 0; i < pixels; i++, j += 4) {
                    out[i] = (raw[j] & 0xFF) | ((raw[j + 1] & 0xFF) << 8) | ((raw[j + 2] & 0xFF) << 16)
                            | ((raw[j + 3] & 0xFF) << 24);
                }
            }
            default -> throw new CodecException("JPEG 2000 stream has " + bytesPerSample
                    + " bytes per pixel; only one grayscale component is supported");
        }
        return out;
    }
}
