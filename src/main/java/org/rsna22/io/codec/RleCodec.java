package org.rsna22.io.codec;

import java.io.ByteArrayOutputStream;

/**
 * DICOM RLE Lossless (PS3.5 annex G): a 64-byte header with up to 15 segment offsets, one PackBits
 * segment per byte plane, most significant plane first. Decodes and encodes one grayscale frame.
 */
public final class RleCodec {
    private RleCodec() {
    }

    /**
     * Decodes a frame into the raw unsigned sample values (not yet masked or sign-extended).
     *
     * @param bytesPerSample 1, 2 or 4
     */
    public static int[] decode(byte[] data, int rows, int columns, int bytesPerSample) throws CodecException {
        if (data.length < 64) {
            throw new CodecException("RLE header needs 64 bytes, the frame has " + data.length);
        }
        int segments = le32(data, 0);
        if (segments != bytesPerSample) {
            throw new CodecException("RLE frame has " + segments + " segments, " + bytesPerSample
                    + " expected for " + (8 * bytesPerSample) + "-bit grayscale");
        }
        int pixels = rows * columns;
        for (int s = 0; s < segments; s++) {
            int start = le32(data, 4 + 4 * s);
            int end = s + 1 < segments ? le32(data, 8 + 4 * s) : data.length;
            // PackBits expands at most 64-fold (2 bytes -> 128): refuse before allocating for a lying header
            if ((long) pixels > 64L * Math.max(0, end - start)) {
                throw new CodecException("RLE segment " + (s + 1) + " of " + Math.max(0, end - start)
                        + " bytes cannot hold " + pixels + " pixels");
            }
        }
        int[] out = new int[pixels];
        byte[] plane = new byte[pixels];
        for (int s = 0; s < segments; s++) {
            int start = le32(data, 4 + 4 * s);
            int end = s + 1 < segments ? le32(data, 8 + 4 * s) : data.length;
            if (start < 64 || end > data.length || start > end) {
                throw new CodecException("RLE segment " + (s + 1) + " offsets " + start + ".." + end
                        + " lie outside the " + data.length + "-byte frame");
            }
            unpack(data, start, end, plane, s + 1);
            int shift = 8 * (segments - 1 - s);
            for (int i = 0; i < pixels; i++) {
                out[i] |= (plane[i] & 0xFF) << shift;
            }
        }
        return out;
    }

    private static void unpack(byte[] src, int pos, int end, byte[] dst, int segment) throws CodecException {
        int o = 0;
        int n = dst.length;
        while (o < n) {
            if (pos >= end) {
                throw new CodecException("RLE segment " + segment + " ends after " + o + " of " + n + " bytes");
            }
            int h = src[pos++];
            if (h >= 0) {
                int count = h + 1;
                if (pos + count > end || o + count > n) {
                    throw new CodecException("RLE segment " + segment + " literal run overflows at output byte " + o);
                }
                System.arraycopy(src, pos, dst, o, count);
                pos += count;
                o += count;
            } else if (h != -128) {
                int count = 1 - h;
                if (pos >= end || o + count > n) {
                    throw new CodecException("RLE segment " + segment + " replicate run overflows at output byte " + o);
                }
                byte b = src[pos++];
                for (int k = 0; k < count; k++) {
                    dst[o++] = b;
                }
            }
        }
    }

    /** Encodes raw sample values (low {@code 8·bytesPerSample} bits of each) as one RLE frame. */
    public static byte[] encode(int[] samples, int bytesPerSample) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int[] offsets = new int[bytesPerSample];
        byte[] plane = new byte[samples.length];
        for (int s = 0; s < bytesPerSample; s++) {
            offsets[s] = 64 + body.size();
            int shift = 8 * (bytesPerSample - 1 - s);
            for (int i = 0; i < samples.length; i++) {
                plane[i] = (byte) (samples[i] >>> shift);
            }
            pack(plane, body);
            if ((body.size() & 1) == 1) {
                body.write(0x80); // pad each segment to an even length with a no-op header
            }
        }
        byte[] header = new byte[64];
        putLe32(header, 0, bytesPerSample);
        for (int s = 0; s < bytesPerSample; s++) {
            putLe32(header, 4 + 4 * s, offsets[s]);
        }
        byte[] b = body.toByteArray();
        byte[] out = new byte[64 + b.length];
        System.arraycopy(header, 0, out, 0, 64);
        System.arraycopy(b, 0, out, 64, b.length);
        return out;
    }

    private static void pack(byte[] p, ByteArrayOutputStream out) {
        int i = 0;
        int n = p.length;
        while (i < n) {
            int run = 1;
            while (i + run < n && run < 128 && p[i + run] == p[i]) {
                run++;
            }
            if (run >= 2) {
                out.write(1 - run);
                out.write(p[i]);
                i += run;
                continue;
            }
            int start = i;
            int len = 0;
            while (i < n && len < 128 && !(i + 1 < n && p[i + 1] == p[i])) {
                i++;
                len++;
            }
            out.write(len - 1);
            out.write(p, start, len);
        }
    }

    private static int le32(byte[] b, int o) {
        return (b[o] & 0xFF) | ((b[o + 1] & 0xFF) << 8) | ((b[o + 2] & 0xFF) << 16) | ((b[o + 3] & 0xFF) << 24);
    }

    private static void putLe32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
        b[o + 2] = (byte) (v >> 16);
        b[o + 3] = (byte) (v >> 24);
    }
}
