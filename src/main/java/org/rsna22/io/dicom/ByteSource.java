package org.rsna22.io.dicom;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * A buffered, position-tracking view of a file or byte array for the parser. Reads only what the parser
 * asks for, seeks over skipped values on files, and can switch to an inflated stream for the deflated
 * transfer syntax. Every read past the end is a {@link DicomException} of kind TRUNCATED.
 */
final class ByteSource {

    private static final int INITIAL_BUFFER = 8192;

    private final String name;
    private FileChannel channel;
    private InputStream stream;
    private byte[] buf;
    private int pos;
    private int lim;
    /** Absolute position of buf[0]. */
    private long bufStart;
    /** Total size, or -1 when unknown (inflated stream). */
    private long size;
    /** Byte order of the numbers read from here on: the file meta is always little endian, the dataset's follows its transfer syntax. */
    private boolean bigEndian;

    ByteSource(String name, FileChannel channel) throws IOException {
        this.name = name;
        this.channel = channel;
        this.size = channel.size();
        this.buf = new byte[(int) Math.min(INITIAL_BUFFER, Math.max(16, size))];
    }

    ByteSource(String name, byte[] data) {
        this.name = name;
        this.buf = data;
        this.lim = data.length;
        this.size = data.length;
    }

    void byteOrder(boolean bigEndian) {
        this.bigEndian = bigEndian;
    }

    boolean bigEndian() {
        return bigEndian;
    }

    String name() {
        return name;
    }

    long position() {
        return bufStart + pos;
    }

    /** Bytes left, or Long.MAX_VALUE when unknown. */
    long remaining() {
        return size < 0 ? Long.MAX_VALUE : size - position();
    }

    boolean sizeKnown() {
        return size >= 0;
    }

    /** Makes at least n bytes available if the input has them; returns how many are available. */
    int peek(int n) throws IOException {
        if (lim - pos < n) {
            fill(n);
        }
        return Math.min(n, lim - pos);
    }

    int peekByte(int i) {
        return buf[pos + i] & 0xFF;
    }

    boolean atEnd() throws IOException {
        return peek(1) == 0;
    }

    private void require(int n, int tag) throws IOException {
        if (lim - pos < n) {
            fill(n);
            if (lim - pos < n) {
                throw new DicomException(DicomException.Kind.TRUNCATED, name, tag, position(),
                        "needed " + n + " more bytes, the file ends after " + (lim - pos));
            }
        }
    }

    private void fill(int n) throws IOException {
        if (channel == null && stream == null) {
            return;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            bufStart += pos;
            pos = 0;
        }
        if (n > buf.length) {
            byte[] bigger = new byte[Math.max(n, buf.length * 2)];
            System.arraycopy(buf, 0, bigger, 0, lim);
            buf = bigger;
        }
        while (lim < n) {
            int r;
            if (channel != null) {
                r = channel.read(ByteBuffer.wrap(buf, lim, buf.length - lim));
            } else {
                r = readInflated(buf, lim, buf.length - lim);
            }
            if (r < 0) {
                return;
            }
            lim += r;
        }
    }

    private int readInflated(byte[] b, int off, int len) throws IOException {
        try {
            return stream.read(b, off, len);
        } catch (EOFException e) {
            return -1; // the deflated stream stops early: the caller reports it as truncated
        } catch (ZipException e) {
            throw new DicomException(DicomException.Kind.MALFORMED, name, -1, position(),
                    "deflated data is corrupt: " + e.getMessage(), e);
        }
    }

    int u8(int tag) throws IOException {
        require(1, tag);
        return buf[pos++] & 0xFF;
    }

    int u16(int tag) throws IOException {
        require(2, tag);
        int v = DicomObject.u16(buf, pos, bigEndian);
        pos += 2;
        return v;
    }

    long u32(int tag) throws IOException {
        require(4, tag);
        long v = DicomObject.s32(buf, pos, bigEndian) & 0xFFFFFFFFL;
        pos += 4;
        return v;
    }

    /** Reads a tag as group &lt;&lt; 16 | element in the current byte order. */
    int tag() throws IOException {
        require(4, -1);
        int g = DicomObject.u16(buf, pos, bigEndian);
        int e = DicomObject.u16(buf, pos + 2, bigEndian);
        pos += 4;
        return (g << 16) | e;
    }

    void skip(long n, int tag) throws IOException {
        if (n <= lim - pos) {
            pos += (int) n;
            return;
        }
        if (n > remaining()) {
            throw new DicomException(DicomException.Kind.TRUNCATED, name, tag, position(),
                    "cannot skip " + n + " bytes, only " + remaining() + " left");
        }
        long target = position() + n;
        if (channel != null) {
            channel.position(target);
        } else if (stream != null) {
            long toSkip = n - (lim - pos);
            byte[] sink = new byte[(int) Math.min(toSkip, 8192)];
            while (toSkip > 0) {
                int r = readInflated(sink, 0, (int) Math.min(toSkip, sink.length));
                if (r < 0) {
                    throw new DicomException(DicomException.Kind.TRUNCATED, name, tag, position(),
                            "the stream ends inside a value of " + n + " bytes");
                }
                toSkip -= r;
            }
        }
        bufStart = target;
        pos = 0;
        lim = 0;
    }

    /** Reads n bytes; the caller has checked n against {@link #remaining()} before calling. */
    byte[] read(int n, int tag) throws IOException {
        byte[] out;
        int have = Math.min(n, lim - pos);
        if (sizeKnown()) {
            if (n > remaining()) {
                throw new DicomException(DicomException.Kind.TRUNCATED, name, tag, position(),
                        "value of " + n + " bytes, only " + remaining() + " left");
            }
            out = new byte[n];
            System.arraycopy(buf, pos, out, 0, have);
            pos += have;
            if (have < n) {
                readDirect(out, have, n - have, tag);
            }
            return out;
        }
        // Unknown size (inflated): grow as data really arrives, so a bogus length cannot allocate gigabytes.
        ByteArrayOutputStream acc = new ByteArrayOutputStream(Math.min(n, 1 << 16));
        acc.write(buf, pos, have);
        pos += have;
        long left = n - have;
        while (left > 0) {
            int chunk = (int) Math.min(left, buf.length);
            require(chunk, tag);
            acc.write(buf, pos, chunk);
            pos += chunk;
            left -= chunk;
        }
        return acc.toByteArray();
    }

    private void readDirect(byte[] out, int off, int len, int tag) throws IOException {
        // Large values go straight from the channel into the target array, bypassing the buffer.
        ByteBuffer bb = ByteBuffer.wrap(out, off, len);
        while (bb.hasRemaining()) {
            int r = channel == null ? -1 : channel.read(bb);
            if (r < 0) {
                throw new DicomException(DicomException.Kind.TRUNCATED, name, tag, position(),
                        "the file ends " + bb.remaining() + " bytes before the end of the value");
            }
        }
        bufStart += pos + len;
        pos = 0;
        lim = 0;
    }

    /** From the current position on, the data is raw deflate (transfer syntax 1.2.840.10008.1.2.1.99). */
    void startInflating() throws IOException {
        InputStream rest;
        byte[] pending = Arrays.copyOfRange(buf, pos, lim);
        if (channel != null) {
            channel.position(position() + (lim - pos));
            InputStream ch = Channels.newInputStream(channel);
            rest = new SequenceInputStream(new ByteArrayInputStream(pending), ch);
        } else {
            rest = new ByteArrayInputStream(pending);
        }
        stream = new InflaterInputStream(rest, new Inflater(true), 16384);
        channel = null;
        bufStart = position();
        buf = new byte[INITIAL_BUFFER];
        pos = 0;
        lim = 0;
        size = -1;
    }
}
