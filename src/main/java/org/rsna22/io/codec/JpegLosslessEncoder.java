package org.rsna22.io.codec;

import java.util.Arrays;

/**
 * A lossless JPEG (process 14, ITU T.81 annex H) encoder: one component, any predictor, point transform and restart
 * interval, with a fixed Huffman table of the difference categories. It writes the generator's full-size studies as
 * the competition's files are stored (selection value 1: transfer syntax 1.2.840.10008.1.2.4.70), and the decoder's
 * tests use it for streams that dcmtk's encoder does not make (restart markers). Its output is checked against
 * dcmtk's decoder.
 */
public final class JpegLosslessEncoder {
    /** Code lengths of difference categories 0..16; Kraft sum below 1, so no all-ones code. */
    private static final int[] LENGTHS = {2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9};

    private byte[] out;
    private int size;
    private long acc;
    private int bits;

    private JpegLosslessEncoder(int capacity) {
        out = new byte[capacity];
    }

    /**
     * Encodes samples (row-major, unsigned, at most {@code precision} bits) as one lossless JPEG frame.
     *
     * @param predictor selection value 1-7 (1: the left neighbour)
     * @param pt        point transform (0: none)
     * @param restartInterval samples between restart markers (0: none)
     */
    public static byte[] encode(int[] samples, int width, int height, int precision, int predictor, int pt,
                                int restartInterval) {
        if (precision < 2 || precision > 16 || predictor < 1 || predictor > 7 || pt < 0 || pt >= precision
                || samples.length != width * height) {
            throw new IllegalArgumentException("cannot encode " + width + "x" + height + " samples of " + precision
                    + " bits with predictor " + predictor + " and point transform " + pt);
        }
        return new JpegLosslessEncoder(samples.length + 1024).run(samples, width, height, precision, predictor, pt,
                restartInterval);
    }

    private byte[] run(int[] samples, int w, int h, int precision, int predictor, int pt, int restart) {
        int[] codes = new int[17];
        int[] order = new int[17];
        int[] counts = new int[17];
        int n = 0;
        for (int len = 1; len <= 16; len++) {
            for (int s = 0; s <= 16; s++) {
                if (LENGTHS[s] == len) {
                    order[n++] = s;
                    counts[len]++;
                }
            }
        }
        int code = 0;
        int k = 0;
        for (int len = 1; len <= 16; len++) {
            for (int i = 0; i < counts[len]; i++) {
                codes[order[k++]] = code++;
            }
            code <<= 1;
        }
        marker(0xD8);
        marker(0xC3);
        u16(11);
        write(precision);
        u16(h);
        u16(w);
        write(1);
        write(1);
        write(0x11);
        write(0);
        marker(0xC4);
        u16(2 + 1 + 16 + 17);
        write(0x00);
        for (int len = 1; len <= 16; len++) {
            write(counts[len]);
        }
        for (int i = 0; i < 17; i++) {
            write(order[i]);
        }
        if (restart > 0) {
            marker(0xDD);
            u16(4);
            u16(restart);
        }
        marker(0xDA);
        u16(8);
        write(1);
        write(1);
        write(0x00);
        write(predictor);
        write(0);
        write(pt);

        int[] v = new int[samples.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = samples[i] >> pt;
        }
        int initial = 1 << (precision - pt - 1);
        int untilRestart = restart > 0 ? restart : Integer.MAX_VALUE;
        int resetRow = 0;
        int resetCol = 0;
        int rst = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (untilRestart == 0) {
                    flush();
                    marker(0xD0 + (rst++ & 7));
                    untilRestart = restart;
                    resetRow = y;
                    resetCol = x;
                }
                untilRestart--;
                int i = y * w + x;
                int pred = JpegLosslessDecoder.prediction(v, i, x, y, w, resetRow, resetCol, initial, predictor);
                int diff = (short) ((v[i] - pred) & 0xFFFF); // modulo 2^16, as a signed value
                int ssss = diff == -32768 ? 16 : 32 - Integer.numberOfLeadingZeros(Math.abs(diff));
                put(codes[ssss], LENGTHS[ssss]);
                if (ssss > 0 && ssss < 16) {
                    put(diff < 0 ? diff - 1 : diff, ssss);
                }
            }
        }
        flush();
        marker(0xD9);
        return Arrays.copyOf(out, size);
    }

    private void put(int value, int n) {
        acc = (acc << n) | (value & ((1L << n) - 1));
        bits += n;
        while (bits >= 8) {
            int b = (int) (acc >>> (bits - 8)) & 0xFF;
            write(b);
            if (b == 0xFF) {
                write(0);
            }
            bits -= 8;
        }
    }

    /** Pads the last byte with 1-bits (T.81 F.1.2.3). */
    private void flush() {
        if (bits > 0) {
            put((1 << (8 - bits)) - 1, 8 - bits);
        }
        acc = 0;
    }

    private void marker(int m) {
        write(0xFF);
        write(m);
    }

    private void u16(int v) {
        write(v >> 8);
        write(v);
    }

    private void write(int b) {
        if (size == out.length) {
            out = Arrays.copyOf(out, out.length * 2);
        }
        out[size++] = (byte) b;
    }
}
