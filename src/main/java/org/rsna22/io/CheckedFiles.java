package org.rsna22.io;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Cache files that carry what verifies them: the payload, then a 16-byte trailer with the payload's length, its
 * CRC32C and a magic number, written with the file by atomic rename. {@link #read} returns the payload only when
 * all three match, else a {@link DamagedFileException} that names the file and what is wrong, so that a cut or
 * changed file is rebuilt (or reported) instead of failing later with a bare EOFException.
 */
public final class CheckedFiles {

    /** Bytes after the payload: length (8), CRC32C (4), magic (4). */
    public static final int TRAILER = 16;
    private static final int MAGIC = 0x52534B31; // "RSK1"

    private CheckedFiles() {
    }

    /** Writes {@code target} atomically: what {@code content} writes, then the trailer. */
    public static void write(Path target, AtomicFiles.Content content) throws IOException {
        AtomicFiles.write(target, out -> {
            Summing s = new Summing(out);
            content.writeTo(s);
            s.flush();
            ByteBuffer t = ByteBuffer.allocate(TRAILER).order(ByteOrder.LITTLE_ENDIAN);
            t.putLong(s.length).putInt((int) s.crc.getValue()).putInt(MAGIC);
            out.write(t.array());
        });
    }

    /** The verified payload of a file written by {@link #write}. */
    public static byte[] read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long length = payloadLength(file, all.length, ByteBuffer.wrap(all, Math.max(0, all.length - TRAILER),
                Math.min(all.length, TRAILER)));
        CRC32C crc = new CRC32C();
        crc.update(all, 0, (int) length);
        int stored = ByteBuffer.wrap(all, all.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if ((int) crc.getValue() != stored) {
            throw new DamagedFileException(file, "checksum mismatch (CRC32C of its " + length + " bytes differs from "
                    + "the one written with it)");
        }
        byte[] payload = new byte[(int) length];
        System.arraycopy(all, 0, payload, 0, payload.length);
        return payload;
    }

    /** The verified payload as a data stream. */
    public static DataInputStream readStream(Path file) throws IOException {
        return new DataInputStream(new ByteArrayInputStream(read(file)));
    }

    /**
     * The start of the payload, for a header-only read, after checking (cheaply) that the file has its trailer and
     * the length it says; the checksum is left to {@link #read}.
     */
    public static InputStream openPayload(Path file) throws IOException {
        long size;
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            size = ch.size();
            if (size >= TRAILER) {
                ch.read(trailer, size - TRAILER);
            }
        }
        trailer.flip();
        long length = payloadLength(file, size, trailer);
        InputStream in = Files.newInputStream(file);
        return new FilterInputStream(in) {
            private long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        };
    }

    /** Why the file is not whole (naming it), or null when its length and checksum match. */
    public static String problem(Path file) {
        try {
            read(file);
            return null;
        } catch (IOException e) {
            return IoErrors.describe(e);
        }
    }

    private static long payloadLength(Path file, long size, ByteBuffer trailer) throws DamagedFileException {
        if (size < TRAILER) {
            throw new DamagedFileException(file, "truncated: " + size + " bytes, shorter than its " + TRAILER
                    + "-byte trailer");
        }
        trailer.order(ByteOrder.LITTLE_ENDIAN);
        int base = trailer.position();
        long length = trailer.getLong(base);
        int magic = trailer.getInt(base + 12);
        if (magic != MAGIC) {
            throw new DamagedFileException(file, "no checksum trailer at its end (cut short, or written by an older "
                    + "version)");
        }
        if (length != size - TRAILER) {
            throw new DamagedFileException(file, "truncated or extended: " + (size - TRAILER) + " bytes of payload, "
                    + "its trailer says " + length);
        }
        return length;
    }

    /** Counts and sums what passes through. */
    private static final class Summing extends FilterOutputStream {
        final CRC32C crc = new CRC32C();
        long length;

        Summing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            crc.update(b);
            length++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            crc.update(b, off, len);
            length += len;
        }
    }

    /** A cache or model file whose bytes do not verify; the message names the file and the reason. */
    public static final class DamagedFileException extends IOException {
        private final Path file;

        public DamagedFileException(Path file, String reason) {
            super(file + ": " + reason);
            this.file = file;
        }

        public Path file() {
            return file;
        }
    }
}
