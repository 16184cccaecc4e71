package org.rsna22.io.codec;

import java.util.Arrays;

/**
 * Decoder for lossless JPEG, process 14 (ITU-T T.81 annex H; SOF3, Huffman coded), one component:
 * all seven predictors, point transform, restart intervals. It is the hot path of the competition data,
 * so the entropy-coded segment is unstuffed once and Huffman codes are decoded with a 16-bit lookup table.
 */
public final class JpegLosslessDecoder {

    private static final int SOI = 0xD8;
    private static final int EOI = 0xD9;
    private static final int SOS = 0xDA;
    private static final int DHT = 0xC4;
    private static final int DRI = 0xDD;
    private static final int SOF3 = 0xC3;

    /** A decoded frame: row-major samples (unsigned, {@code precision} bits). */
    public record Frame(int width, int height, int precision, int[] samples) {
    }

    private final byte[] data;
    private int pos;
    private final char[][] tables = new char[4][];
    private int restartInterval;
    private int width;
    private int height;
    private int precision;
    private int componentId = -1;

    private JpegLosslessDecoder(byte[] data) {
        this.data = data;
    }

    /**
     * Decodes a lossless JPEG stream whose frame must be {@code expectedWidth × expectedHeight}
     * (checked before any pixel buffer is allocated).
     */
    public static Frame decode(byte[] data, int expectedWidth, int expectedHeight) throws CodecException {
        try {
            return new JpegLosslessDecoder(data).run(expectedWidth, expectedHeight);
        } catch (ArrayIndexOutOfBoundsException e) {
            // every segment is checked against its length; this only guards against a case those checks missed
            throw new CodecException("malformed lossless JPEG stream: decoding ran past the end of its data");
        }
    }

    private Frame run(int expectedWidth, int expectedHeight) throws CodecException {
        if (data.length < 4 || (data[0] & 0xFF) != 0xFF || (data[1] & 0xFF) != SOI) {
            throw new CodecException("not a JPEG stream (no SOI marker)");
        }
        pos = 2;
        int[] samples = null;
        while (true) {
            int marker = nextMarker();
            switch (marker) {
                case SOF3 -> {
                    readFrameHeader();
                    if (width != expectedWidth || height != expectedHeight) {
                        throw new CodecException("JPEG frame is " + width + "×" + height + " but the image is "
                                + expectedWidth + "×" + expectedHeight);
                    }
                }
                case DHT -> readHuffmanTables();
                case DRI -> {
                    int end = pos + 2 + segmentLength();
                    requireSegment(end, 2, "DRI");
                    restartInterval = u16(pos);
                    pos = end;
                }
                case SOS -> {
                    if (width == 0) {
                        throw new CodecException("scan before the frame header (SOF3)");
                    }
                    samples = readScan();
                }
                case EOI -> {
                    if (samples == null) {
                        throw new CodecException("JPEG stream has no scan");
                    }
                    return new Frame(width, height, precision, samples);
                }
                default -> {
                    if (marker >= 0xC0 && marker <= 0xCF && marker != DHT && marker != 0xC8 && marker != 0xCC) {
                        throw new CodecException(String.format(
                                "JPEG process with SOF marker 0x%02X is not lossless Huffman (SOF3)", marker));
                    }
                    pos += segmentLength(); // APPn, COM, DQT, ...: not needed here
                }
            }
            if (pos >= data.length && samples != null) {
                return new Frame(width, height, precision, samples); // tolerate a missing EOI
            }
        }
    }

    private int nextMarker() throws CodecException {
        while (pos < data.length && (data[pos] & 0xFF) != 0xFF) {
            pos++; // tolerate garbage between segments, as libjpeg does
        }
        while (pos < data.length && (data[pos] & 0xFF) == 0xFF) {
            pos++;
        }
        if (pos >= data.length) {
            throw new CodecException("JPEG stream ends before EOI");
        }
        return data[pos++] & 0xFF;
    }

    /** Reads a segment length and returns the number of bytes after it. */
    private int segmentLength() throws CodecException {
        if (pos + 2 > data.length) {
            throw new CodecException("JPEG stream ends inside a segment header");
        }
        int len = u16(pos);
        if (len < 2 || pos + len > data.length) {
            throw new CodecException("JPEG segment length " + len + " at byte " + pos + " runs past the end");
        }
        pos += 2;
        return len - 2;
    }

    /** Fails when the segment that ends at {@code end} holds fewer than {@code needed} bytes from pos on. */
    private void requireSegment(int end, int needed, String segment) throws CodecException {
        if (end - pos < needed) {
            throw new CodecException(segment + " segment at byte " + (pos - 4) + " holds " + (end - pos) + " bytes, "
                    + "fewer than the " + needed + " it needs");
        }
    }

    private void readFrameHeader() throws CodecException {
        int len = segmentLength();
        int end = pos + len;
        requireSegment(end, 9, "SOF3");
        precision = data[pos] & 0xFF;
        height = u16(pos + 1);
        width = u16(pos + 3);
        int components = data[pos + 5] & 0xFF;
        if (components != 1) {
            throw new CodecException("lossless JPEG with " + components + " components; only grayscale is supported");
        }
        if (precision < 2 || precision > 16) {
            throw new CodecException("lossless JPEG precision " + precision + " is outside 2..16");
        }
        if (height == 0 || width == 0) {
            throw new CodecException("JPEG frame of " + width + "×" + height + " (DNL marker) is not supported");
        }
        componentId = data[pos + 6] & 0xFF;
        pos = end;
    }

    private void readHuffmanTables() throws CodecException {
        int len = segmentLength();
        int end = pos + len;
        while (pos < end) {
            requireSegment(end, 17, "DHT");
            int tcTh = data[pos++] & 0xFF;
            int th = tcTh & 0x0F;
            if (th > 3) {
                throw new CodecException("Huffman table id " + th + " is outside 0..3");
            }
            int[] counts = new int[17];
            int total = 0;
            for (int l = 1; l <= 16; l++) {
                counts[l] = data[pos++] & 0xFF;
                total += counts[l];
            }
            if (total > 256 || pos + total > end) {
                throw new CodecException("Huffman table " + th + " declares " + total + " codes, more than it holds");
            }
            char[] lookup = new char[1 << 16];
            int code = 0;
            int k = pos;
            for (int l = 1; l <= 16; l++) {
                for (int i = 0; i < counts[l]; i++) {
                    if (code >= (1 << l)) {
                        throw new CodecException("Huffman table " + th + " is over-subscribed at length " + l);
                    }
                    int symbol = data[k++] & 0xFF;
                    if (symbol > 16) {
                        throw new CodecException("Huffman symbol " + symbol + " is not a lossless difference category");
                    }
                    char entry = (char) ((l << 8) | symbol);
                    int from = code << (16 - l);
                    int to = (code + 1) << (16 - l);
                    Arrays.fill(lookup, from, to, entry);
                    code++;
                }
                code <<= 1;
            }
            pos = k;
            tables[th] = lookup;
        }
    }

    private int[] readScan() throws CodecException {
        int len = segmentLength();
        int end = pos + len;
        requireSegment(end, 6, "SOS");
        int ns = data[pos] & 0xFF;
        if (ns != 1) {
            throw new CodecException("scan with " + ns + " components; only one is supported");
        }
        int cs = data[pos + 1] & 0xFF;
        if (cs != componentId) {
            throw new CodecException("scan component " + cs + " is not the frame's component " + componentId);
        }
        int td = (data[pos + 2] & 0xFF) >> 4;
        int predictor = data[pos + 3] & 0xFF;
        int pointTransform = data[pos + 5] & 0x0F;
        pos = end;
        if (predictor < 1 || predictor > 7) {
            throw new CodecException("predictor " + predictor + " is outside 1..7");
        }
        if (td > 3 || tables[td] == null) {
            throw new CodecException("scan uses Huffman table " + td + " which was never defined");
        }
        if (pointTransform >= precision) {
            throw new CodecException("point transform " + pointTransform + " is not below precision " + precision);
        }
        Entropy ecs = unstuff();
        int[] out = new int[width * height];
        new ScanDecoder(ecs, tables[td], predictor, pointTransform).decode(out);
        return out;
    }

    /** The entropy-coded data with byte stuffing removed and the start of each restart interval. */
    private record Entropy(byte[] bytes, int length, int[] restarts, int restartCount) {
    }

    private Entropy unstuff() {
        byte[] out = new byte[data.length - pos];
        int n = 0;
        int[] restarts = new int[16];
        int rc = 0;
        int p = pos;
        while (p < data.length) {
            byte b = data[p];
            if (b != (byte) 0xFF) {
                out[n++] = b;
                p++;
                continue;
            }
            int q = p + 1;
            while (q < data.length && data[q] == (byte) 0xFF) {
                q++; // fill bytes
            }
            if (q >= data.length) {
                p = q;
                break;
            }
            int m = data[q] & 0xFF;
            if (m == 0) {
                out[n++] = (byte) 0xFF;
                p = q + 1;
            } else if (m >= 0xD0 && m <= 0xD7) {
                if (rc == restarts.length) {
                    restarts = Arrays.copyOf(restarts, rc * 2);
                }
                restarts[rc++] = n;
                p = q + 1;
            } else {
                p = q - 1; // a marker: the scan ends here
                break;
            }
        }
        pos = p;
        return new Entropy(out, n, restarts, rc);
    }

    private int u16(int at) {
        return ((data[at] & 0xFF) << 8) | (data[at + 1] & 0xFF);
    }

    /** The sample loop of one scan. */
    private final class ScanDecoder {
        private final byte[] in;
        private final char[] lookup;
        /**
         * Per 16-bit window: a code and its extra bits together when they fit in 16 bits (nearly always for CT), as
         * (difference << 5) | bits used; 0 where the slow path decodes.
         */
        private final int[] fast;
        private final int predictor;
        private final int pt;
        private final Entropy ecs;
        private int segmentEnd;
        private int nextRestart;
        private int bytePos;
        private long acc;
        private int bits;

        ScanDecoder(Entropy ecs, char[] lookup, int predictor, int pt) {
            this.ecs = ecs;
            this.in = ecs.bytes();
            this.lookup = lookup;
            this.fast = fastTable(lookup);
            this.predictor = predictor;
            this.pt = pt;
            this.segmentEnd = ecs.restartCount() > 0 ? ecs.restarts()[0] : ecs.length();
        }

        private static int[] fastTable(char[] lookup) {
            int[] fast = new int[1 << 16];
            for (int i = 0; i < fast.length; i++) {
                int e = lookup[i];
                if (e == 0) {
                    continue;
                }
                int length = e >>> 8;
                int s = e & 0xFF;
                if (s == 16 || length + s > 16) {
                    continue;
                }
                int diff = 0;
                if (s > 0) {
                    int v = (i >>> (16 - length - s)) & ((1 << s) - 1);
                    diff = v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
                }
                fast[i] = diff << 5 | (length + s);
            }
            return fast;
        }

        private void fill() {
            while (bits <= 56) {
                int b = bytePos < segmentEnd ? in[bytePos] & 0xFF : 0;
                bytePos++;
                acc = (acc << 8) | b;
                bits += 8;
            }
        }

        private int diff() throws CodecException {
            if (bits < 32) {
                fill();
            }
            int window = (int) (acc >>> (bits - 16)) & 0xFFFF;
            int f = fast[window];
            if (f != 0) {
                bits -= f & 31;
                return f >> 5;
            }
            int e = lookup[window];
            if (e == 0) {
                throw new CodecException("invalid Huffman code at entropy byte " + (bytePos - bits / 8));
            }
            bits -= e >>> 8;
            int s = e & 0xFF;
            if (s == 0) {
                return 0;
            }
            if (s == 16) {
                return 32768;
            }
            int v = (int) (acc >>> (bits - s)) & ((1 << s) - 1);
            bits -= s;
            return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
        }

        /** Moves to the next restart interval: byte-aligned, past the RSTn marker. */
        private void restart() throws CodecException {
            checkOverrun();
            if (nextRestart >= ecs.restartCount()) {
                throw new CodecException("restart marker " + (nextRestart + 1) + " is missing");
            }
            bytePos = ecs.restarts()[nextRestart++];
            segmentEnd = nextRestart < ecs.restartCount() ? ecs.restarts()[nextRestart] : ecs.length();
            acc = 0;
            bits = 0;
        }

        private void checkOverrun() throws CodecException {
            long consumed = (long) bytePos * 8 - bits;
            if (consumed > (long) segmentEnd * 8) {
                throw new CodecException("entropy-coded data ends early: the stream is truncated or corrupt");
            }
        }

        void decode(int[] out) throws CodecException {
            final int w = width;
            final int initial = 1 << (precision - pt - 1);
            final int interval = restartInterval;
            if (interval == 0 && predictor == 1) { // the competition's files: the left neighbour, no restarts
                for (int y = 0; y < height; y++) {
                    int row = y * w;
                    out[row] = ((y == 0 ? initial : out[row - w]) + diff()) & 0xFFFF;
                    for (int i = row + 1; i < row + w; i++) {
                        out[i] = (out[i - 1] + diff()) & 0xFFFF;
                    }
                    checkOverrun();
                }
                shift(out);
                return;
            }
            int untilRestart = interval > 0 ? interval : Integer.MAX_VALUE;
            int resetRow = 0;
            int resetCol = 0;
            for (int y = 0; y < height; y++) {
                int row = y * w;
                for (int x = 0; x < w; x++) {
                    if (untilRestart == 0) {
                        restart();
                        untilRestart = interval;
                        resetRow = y;
                        resetCol = x;
                    }
                    untilRestart--;
                    int i = row + x;
                    out[i] = (prediction(out, i, x, y, w, resetRow, resetCol, initial, predictor) + diff()) & 0xFFFF;
                }
                checkOverrun();
            }
            shift(out);
        }

        /** Undoes the point transform. */
        private void shift(int[] out) {
            if (pt > 0) {
                for (int i = 0; i < out.length; i++) {
                    out[i] <<= pt;
                }
            }
        }
    }

    /**
     * The prediction of sample {@code i} (column x, row y of a w-wide image) from the samples before it (T.81 H.1): the
     * first sample after the start or a restart gets {@code initial}, the rest of that row its left neighbour, the
     * first column the sample above, every other sample the selected predictor of left (a), above (b) and above-left
     * (c). The encoder predicts with the same method, so that what one writes the other reads.
     */
    static int prediction(int[] v, int i, int x, int y, int w, int resetRow, int resetCol, int initial, int predictor) {
        if (y == resetRow) {
            return x == resetCol ? initial : v[i - 1];
        }
        if (x == 0) {
            return v[i - w];
        }
        int ra = v[i - 1];
        int rb = v[i - w];
        int rc = v[i - w - 1];
        return switch (predictor) {
            case 1 -> ra;
            case 2 -> rb;
            case 3 -> rc;
            case 4 -> ra + rb - rc;
            case 5 -> ra + ((rb - rc) >> 1);
            case 6 -> rb + ((ra - rc) >> 1);
            default -> (ra + rb) >> 1;
        };
    }
}
