package org.rsna22.fracture;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.rsna22.io.CheckedFiles;

/**
 * One study's crop (SPEC §6, §8): the slices of its predicted range, head to feet, cut to its study box (squared,
 * padded with air) and resized to size×size, kept as HU int16. Stored per study in the crop cache with a small
 * header (uid, slice numbers, box, size), so that every epoch of every model reads it instead of decoding DICOM. The
 * file ends with its length and checksum ({@link CheckedFiles}): a damaged crop is told apart and made again.
 *
 * @param sliceNumbers the slice_number of each crop slice, in crop (head to feet) order
 * @param box          the square region cut from the images: x0, y0 (inclusive), side, in original pixels
 */
public record StudyCrop(String studyUid, int size, int[] sliceNumbers, int[] box, short[][] hu) {

    private static final int MAGIC = 0x52534E43; // "RSNC"
    /** 2: with a checksum trailer. */
    private static final int VERSION = 2;

    public int slices() {
        return sliceNumbers.length;
    }

    public void write(Path file) throws IOException {
        CheckedFiles.write(file, out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.writeInt(MAGIC);
            d.writeInt(VERSION);
            d.writeUTF(studyUid);
            d.writeInt(size);
            d.writeInt(sliceNumbers.length);
            for (int n : sliceNumbers) {
                d.writeInt(n);
            }
            for (int b : box) {
                d.writeInt(b);
            }
            ByteBuffer plane = ByteBuffer.allocate(size * size * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (short[] s : hu) {
                plane.clear();
                plane.asShortBuffer().put(s);
                d.write(plane.array());
            }
            d.flush();
        });
    }

    /** What a cached crop holds, without its pixels: its slice numbers (crop order) and box. */
    public record Header(int size, int[] sliceNumbers, int[] box) {
    }

    /** The header of a cached crop, read alone (its length checked, not its checksum). */
    public static Header readHeader(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(CheckedFiles.openPayload(file), 4096)) {
            DataInputStream d = new DataInputStream(in);
            if (d.readInt() != MAGIC || d.readInt() != VERSION) {
                throw new IOException(file + " is not a study crop of this version; delete it and run train-fracture again");
            }
            d.readUTF();
            int size = d.readInt();
            int n = d.readInt();
            if (n < 0 || n > 100_000) {
                throw new IOException(file + ": impossible crop header (" + n + " slices)");
            }
            int[] numbers = new int[n];
            for (int i = 0; i < n; i++) {
                numbers[i] = d.readInt();
            }
            return new Header(size, numbers, new int[] {d.readInt(), d.readInt(), d.readInt()});
        }
    }

    /** The number of slices of a cached crop, from its header alone. */
    public static int readSlices(Path file) throws IOException {
        return readHeader(file).sliceNumbers().length;
    }

    /** A cached crop, verified against its checksum ({@link CheckedFiles.DamagedFileException} when it fails). */
    public static StudyCrop read(Path file) throws IOException {
        try (DataInputStream d = CheckedFiles.readStream(file)) {
            if (d.readInt() != MAGIC || d.readInt() != VERSION) {
                throw new IOException(file + " is not a study crop of this version; delete it and run train-fracture again");
            }
            String uid = d.readUTF();
            int size = d.readInt();
            int n = d.readInt();
            if (size <= 0 || size > 4096 || n < 0 || n > 100_000) {
                throw new IOException(file + ": impossible crop header (size " + size + ", " + n + " slices)");
            }
            int[] numbers = new int[n];
            for (int i = 0; i < n; i++) {
                numbers[i] = d.readInt();
            }
            int[] box = {d.readInt(), d.readInt(), d.readInt()};
            short[][] hu = new short[n][size * size];
            byte[] plane = new byte[size * size * 2];
            for (int i = 0; i < n; i++) {
                d.readFully(plane);
                ByteBuffer.wrap(plane).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(hu[i]);
            }
            return new StudyCrop(uid, size, numbers, box, hu);
        }
    }
}
