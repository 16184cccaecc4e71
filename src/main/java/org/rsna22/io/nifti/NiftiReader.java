package org.rsna22.io.nifti;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Reads NIfTI-1 single files (.nii, .nii.gz) in either byte order. */
public final class NiftiReader {
    static final int DT_UINT8 = 2;
    static final int DT_INT16 = 4;
    static final int DT_INT32 = 8;
    static final int DT_FLOAT32 = 16;
    static final int DT_FLOAT64 = 64;
    static final int DT_INT8 = 256;
    static final int DT_UINT16 = 512;
    static final int DT_UINT32 = 768;
    static final int DT_INT64 = 1024;

    private static final int HEADER_SIZE = 348;

    /**
     * The most voxels a volume may declare before any is read (a CT segmentation has 512 × 512 × at most a few
     * thousand): a small .nii.gz can inflate to gigabytes. {@code -Drsna22.nifti.max-voxels=N} changes it.
     */
    public static final long MAX_VOXELS = Long.getLong("rsna22.nifti.max-voxels", 512L * 512 * 2048);

    /** A check of the declared shape before any voxel is read; it throws to refuse the volume. */
    @FunctionalInterface
    public interface ShapeCheck {
        void check(int[] dim, long voxels) throws NiftiException;
    }

    private NiftiReader() {
    }

    static String datatypeName(int dt) {
        return switch (dt) {
            case DT_UINT8 -> "uint8";
            case DT_INT8 -> "int8";
            case DT_INT16 -> "int16";
            case DT_UINT16 -> "uint16";
            case DT_INT32 -> "int32";
            case DT_UINT32 -> "uint32";
            case DT_INT64 -> "int64";
            case DT_FLOAT32 -> "float32";
            case DT_FLOAT64 -> "float64";
            default -> null;
        };
    }

    private static int bytesPer(int dt) {
        return switch (dt) {
            case DT_UINT8, DT_INT8 -> 1;
            case DT_INT16, DT_UINT16 -> 2;
            case DT_INT32, DT_UINT32, DT_FLOAT32 -> 4;
            default -> 8;
        };
    }

    /** Reads a .nii or .nii.gz file, or the .hdr of a .hdr/.img pair (magic 'ni1'). */
    public static NiftiVolume read(Path path) throws IOException {
        return read(path, (dim, voxels) -> { });
    }

    /**
     * Reads a volume after {@code check} accepted its declared shape, and only when it declares at most
     * {@link #MAX_VOXELS} voxels and fits in half the free heap; at most the declared bytes are read.
     */
    public static NiftiVolume read(Path path, ShapeCheck check) throws IOException {
        String name = path.toString();
        try (InputStream in = open(path)) {
            byte[] hdr = readFully(in, HEADER_SIZE, name, "header");
            boolean pair = hdr.length >= 347 && hdr[344] == 'n' && hdr[345] == 'i' && hdr[346] == '1';
            if (!pair) {
                return read(hdr, in, name, isGzip(path) ? -1 : Files.size(path), false, check);
            }
            Path img = pairedImage(path);
            try (InputStream data = open(img)) {
                return read(hdr, data, name, isGzip(img) ? -1 : Files.size(img), true, check);
            }
        } catch (ZipException e) {
            throw new NiftiException(name, "gzip data is corrupt: " + e.getMessage());
        }
    }

    private static Path pairedImage(Path hdr) throws NiftiException {
        String n = hdr.getFileName().toString();
        String base = n.replaceFirst("(?i)\\.hdr(\\.gz)?$", "");
        for (String ext : new String[] {".img", ".img.gz", ".IMG"}) {
            Path p = hdr.resolveSibling(base + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new NiftiException(hdr.toString(), "header of a .hdr/.img pair (magic 'ni1') but no " + base
                + ".img beside it");
    }

    private static boolean isGzip(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return in.read() == 0x1F && in.read() == 0x8B;
        }
    }

    private static InputStream open(Path p) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        return isGzip(p) ? new GZIPInputStream(raw, 1 << 16) : raw;
    }

    private static NiftiVolume read(byte[] hdr, InputStream in, String name, long dataFileSize, boolean pair,
                                    ShapeCheck check) throws IOException {
        ByteBuffer h = ByteBuffer.wrap(hdr).order(ByteOrder.LITTLE_ENDIAN);
        int sizeofHdr = h.getInt(0);
        if (sizeofHdr != HEADER_SIZE) {
            h.order(ByteOrder.BIG_ENDIAN);
            sizeofHdr = h.getInt(0);
        }
        if (sizeofHdr == 540 || Integer.reverseBytes(sizeofHdr) == 540) {
            throw new NiftiException(name, "NIfTI-2 is not supported (sizeof_hdr 540); convert to NIfTI-1");
        }
        if (sizeofHdr != HEADER_SIZE) {
            throw new NiftiException(name, "not a NIfTI-1 file: sizeof_hdr is neither 348 nor byte-swapped 348");
        }
        String magic = new String(hdr, 344, 3, StandardCharsets.ISO_8859_1);
        if (!magic.equals(pair ? "ni1" : "n+1")) {
            throw new NiftiException(name, "not a NIfTI-1 file: magic is '" + magic.replaceAll("[^ -~]", "?")
                    + "', expected 'n+1' (single file) or 'ni1' (.hdr/.img pair)");
        }
        int ndim = h.getShort(40);
        if (ndim < 1 || ndim > 7) {
            throw new NiftiException(name, "dim[0] is " + ndim + ", expected 1..7");
        }
        int[] dim = {1, 1, 1};
        for (int d = 1; d <= ndim; d++) {
            int n = h.getShort(40 + 2 * d);
            if (n < 1) {
                throw new NiftiException(name, "dim[" + d + "] is " + n + ", must be positive");
            }
            if (d <= 3) {
                dim[d - 1] = n;
            } else if (n != 1) {
                throw new NiftiException(name, ndim + "-dimensional data (dim[" + d + "] = " + n
                        + ") is not supported; expected at most 3 dimensions");
            }
        }
        int datatype = h.getShort(70);
        if (datatypeName(datatype) == null) {
            throw new NiftiException(name, "datatype " + datatype + " is not supported (expected one of uint8, "
                    + "int8, int16, uint16, int32, uint32, int64, float32, float64)");
        }
        double[] pixdim = new double[8];
        for (int d = 0; d < 8; d++) {
            pixdim[d] = h.getFloat(76 + 4 * d);
        }
        float voxOffset = h.getFloat(108);
        double slope = h.getFloat(112);
        double inter = h.getFloat(116);
        if (slope == 0 || Double.isNaN(slope) || Double.isInfinite(slope)) {
            slope = 1;
            inter = 0;
        }
        if (Double.isNaN(inter) || Double.isInfinite(inter)) {
            inter = 0;
        }
        int qformCode = h.getShort(252);
        int sformCode = h.getShort(254);
        double[][] affine;
        if (sformCode > 0) {
            affine = new double[4][4];
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 4; c++) {
                    affine[r][c] = h.getFloat(280 + 16 * r + 4 * c);
                }
            }
            affine[3][3] = 1;
        } else if (qformCode > 0) {
            affine = qformAffine(h, pixdim, name);
        } else {
            affine = baseAffine(dim, pixdim);
        }
        long voxels = (long) dim[0] * dim[1] * dim[2];
        long bytes = voxels * bytesPer(datatype);
        long dataStart = (long) voxOffset;
        if (voxOffset != Math.floor(voxOffset) || (!pair && voxOffset < HEADER_SIZE) || voxOffset < 0) {
            throw new NiftiException(name, "vox_offset " + voxOffset + " is not a whole number"
                    + (pair ? "" : " of at least 348"));
        }
        check.check(dim.clone(), voxels);
        if (voxels > MAX_VOXELS) {
            throw new NiftiException(name, "declares " + dim[0] + " x " + dim[1] + " x " + dim[2] + " = " + voxels
                    + " voxels, more than the limit of " + MAX_VOXELS + " (-Drsna22.nifti.max-voxels)");
        }
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new NiftiException(name, "volume of " + bytes + " bytes is too large to hold in memory");
        }
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (bytes > free / 2) {
            throw new NiftiException(name, "declares " + bytes / (1 << 20) + " MiB of voxels, more than half the "
                    + "free heap (" + free / (1 << 20) + " MiB); raise -Xmx to read it");
        }
        if (dataFileSize >= 0 && dataStart + bytes > dataFileSize) {
            throw new NiftiException(name, "truncated: header declares " + bytes + " bytes of voxels from offset "
                    + dataStart + " but the " + (pair ? ".img file" : "file") + " has " + dataFileSize + " bytes");
        }
        try {
            in.skipNBytes(pair ? dataStart : dataStart - HEADER_SIZE);
        } catch (EOFException e) {
            throw new NiftiException(name, "truncated: the file ends before vox_offset " + dataStart);
        }
        byte[] data = readFully(in, (int) bytes, name, "voxel data");
        return new NiftiVolume(dim, datatype, new double[] {pixdim[1], ndim >= 2 ? pixdim[2] : 1, ndim >= 3 ? pixdim[3] : 1},
                slope, inter, qformCode, sformCode, affine, data, h.order());
    }

    /** Reads n bytes, growing as data arrives so that a lying header cannot allocate more than exists. */
    private static byte[] readFully(InputStream in, int n, String name, String what) throws IOException {
        byte[] out = in.readNBytes(n);
        if (out.length < n) {
            throw new NiftiException(name, "truncated: " + what + " needs " + n + " bytes, the file has " + out.length);
        }
        return out;
    }

    /** NIfTI-1 method 2: quaternion rotation, pixdim scaling with qfac, qoffset. */
    private static double[][] qformAffine(ByteBuffer h, double[] pixdim, String name) throws NiftiException {
        double b = h.getFloat(256);
        double c = h.getFloat(260);
        double d = h.getFloat(264);
        double w2 = 1.0 - (b * b + c * c + d * d);
        double a;
        if (w2 < 0) {
            if (w2 < -1e-6) {
                throw new NiftiException(name, "qform quaternion (b, c, d) has a norm above 1");
            }
            a = 0;
        } else {
            a = Math.sqrt(w2);
        }
        double qfac = pixdim[0] == -1 ? -1 : 1;
        double[][] r = {
            {a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
            {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
            {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}
        };
        double[] zooms = {pixdim[1], pixdim[2], pixdim[3] * qfac};
        double[][] m = new double[4][4];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                m[i][j] = r[i][j] * zooms[j];
            }
        }
        m[0][3] = h.getFloat(268);
        m[1][3] = h.getFloat(272);
        m[2][3] = h.getFloat(276);
        m[3][3] = 1;
        return m;
    }

    /** The affine used when neither sform nor qform is set: centred, x flipped (as nibabel and Analyze do). */
    private static double[][] baseAffine(int[] dim, double[] pixdim) {
        double[][] m = new double[4][4];
        double[] z = {pixdim[1], pixdim[2], pixdim[3]};
        for (int i = 0; i < 3; i++) {
            if (z[i] == 0) {
                z[i] = 1;
            }
        }
        double[] signed = {-z[0], z[1], z[2]};
        for (int i = 0; i < 3; i++) {
            m[i][i] = signed[i];
            m[i][3] = -((dim[i] - 1) / 2.0) * signed[i];
        }
        m[3][3] = 1;
        return m;
    }

}
