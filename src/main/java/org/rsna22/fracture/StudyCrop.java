package org.rsna22.fracture;

import com.github.luben.zstd.Zstd;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.rsna22.io.CheckedFiles;

/**
 * One study's crop (SPEC §6, §8): the slices of its predicted range, head to feet, cut to its study box (squared,
 * padded with air) and resized to size×size, kept as HU int16. Stored per study in the crop cache with a small
 * header (uid, slice numbers, box, size), so that every epoch of every model reads it instead of decoding DICOM. The
 * planes are compressed with zstd after splitting every slice's low and high bytes apart (the high bytes of HU are
 * nearly constant): at 256 pixels the cache of the competition's training set would otherwise take about a third of
 * the dataset's 343 GB (bench scale). The file ends with its length and checksum ({@link CheckedFiles}): a damaged crop
 * is told apart and made again.
 *
 * @param sliceNumbers the slice_number of each crop slice, in crop (head to feet) order
 * @param box          the square region cut from the images: x0, y0 (inclusive), side, in original pixels
 */
public record StudyCrop(String studyUid, int size, int[] sliceNumbers, int[] box, short[][] hu) {

    private static final int MAGIC = 0x52534E43; // "RSNC"
    /** 3: the planes compressed (a codec byte after the header); 2: raw planes, with a checksum trailer. */
    private static final int VERSION = 3;

    /** How the planes are stored. */
    public enum Codec {
        /** Little-endian int16, as they are. */
        RAW,
        /** One zstd frame (level 1) of every slice's low bytes, then its high bytes. */
        ZSTD_SHUFFLED
    }

    private static final int ZSTD_LEVEL = 1;

    public int slices() {
        return sliceNumbers.length;
    }

    public void write(Path file) throws IOException {
        write(file, Codec.ZSTD_SHUFFLED);
    }

    public void write(Path file, Codec codec) throws IOException {
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
            d.writeByte(codec.ordinal());
            byte[] planes = codec == Codec.RAW ? raw(hu, size) : shuffled(hu, size);
            if (codec == Codec.ZSTD_SHUFFLED) {
                planes = Zstd.compress(planes, ZSTD_LEVEL);
            }
            d.writeInt(planes.length);
            d.write(planes);
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
            checkVersion(file, d);
            d.readUTF();
            int size = d.readInt();
            int n = d.readInt();
            if (n < 0 || n > 100_000) {
                throw new CheckedFiles.DamagedFileException(file, "impossible crop header (" + n + " slices)");
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
            checkVersion(file, d);
            String uid = d.readUTF();
            int size = d.readInt();
            int n = d.readInt();
            if (size <= 0 || size > 4096 || n < 0 || n > 100_000) {
                throw new CheckedFiles.DamagedFileException(file, "impossible crop header (size " + size + ", " + n
                        + " slices)");
            }
            int[] numbers = new int[n];
            for (int i = 0; i < n; i++) {
                numbers[i] = d.readInt();
            }
            int[] box = {d.readInt(), d.readInt(), d.readInt()};
            int codec = d.readUnsignedByte();
            int length = d.readInt();
            long planesBytes = 2L * n * size * size;
            if (codec >= Codec.values().length || length < 0 || length > d.available()) {
                throw new CheckedFiles.DamagedFileException(file, "impossible crop planes (codec " + codec + ", "
                        + length + " bytes)");
            }
            byte[] planes = new byte[length];
            d.readFully(planes);
            if (codec == Codec.ZSTD_SHUFFLED.ordinal()) {
                if (Zstd.getFrameContentSize(planes) != planesBytes) {
                    throw new CheckedFiles.DamagedFileException(file, "its compressed planes do not hold " + n
                            + " slices of " + size + "x" + size);
                }
                planes = Zstd.decompress(planes, (int) planesBytes);
                return new StudyCrop(uid, size, numbers, box, unshuffled(planes, n, size));
            }
            if (planes.length != planesBytes) {
                throw new CheckedFiles.DamagedFileException(file, "its planes do not hold " + n + " slices");
            }
            return new StudyCrop(uid, size, numbers, box, unraw(planes, n, size));
        }
    }

    private static void checkVersion(Path file, DataInputStream d) throws IOException {
        int magic = d.readInt();
        int version = d.readInt();
        if (magic != MAGIC || version != VERSION) {
            throw new CheckedFiles.DamagedFileException(file, "not a study crop of this version (" + version
                    + "); it is made again");
        }
    }

    private static byte[] raw(short[][] hu, int size) {
        int plane = size * size;
        byte[] out = new byte[hu.length * plane * 2];
        for (int i = 0; i < hu.length; i++) {
            for (int j = 0; j < plane; j++) {
                int k = (i * plane + j) * 2;
                out[k] = (byte) hu[i][j];
                out[k + 1] = (byte) (hu[i][j] >> 8);
            }
        }
        return out;
    }

    private static short[][] unraw(byte[] in, int n, int size) {
        int plane = size * size;
        short[][] hu = new short[n][plane];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < plane; j++) {
                int k = (i * plane + j) * 2;
                hu[i][j] = (short) ((in[k] & 0xFF) | in[k + 1] << 8);
            }
        }
        return hu;
    }

    /** Each slice's low bytes, then its high bytes. */
    private static byte[] shuffled(short[][] hu, int size) {
        int plane = size * size;
        byte[] out = new byte[hu.length * plane * 2];
        for (int i = 0; i < hu.length; i++) {
            int base = i * plane * 2;
            for (int j = 0; j < plane; j++) {
                out[base + j] = (byte) hu[i][j];
                out[base + plane + j] = (byte) (hu[i][j] >> 8);
            }
        }
        return out;
    }

    private static short[][] unshuffled(byte[] in, int n, int size) {
        int plane = size * size;
        short[][] hu = new short[n][plane];
        for (int i = 0; i < n; i++) {
            int base = i * plane * 2;
            for (int j = 0; j < plane; j++) {
                hu[i][j] = (short) ((in[base + j] & 0xFF) | in[base + plane + j] << 8);
            }
        }
        return hu;
    }
}
