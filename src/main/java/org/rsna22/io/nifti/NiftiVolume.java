package org.rsna22.io.nifti;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A NIfTI-1 volume of up to three dimensions: header facts, the voxel-to-RAS affine and the voxels in
 * file order (i fastest), read through {@link #value} with scl_slope/scl_inter applied.
 */
public final class NiftiVolume {
    private final int[] dim;
    private final int datatype;
    private final double[] pixdim;
    private final double slope;
    private final double intercept;
    private final int qformCode;
    private final int sformCode;
    private final double[][] affine;
    private final ByteBuffer data;

    NiftiVolume(int[] dim, int datatype, double[] pixdim, double slope, double intercept, int qformCode,
                int sformCode, double[][] affine, byte[] data, ByteOrder order) {
        this.dim = dim;
        this.datatype = datatype;
        this.pixdim = pixdim;
        this.slope = slope;
        this.intercept = intercept;
        this.qformCode = qformCode;
        this.sformCode = sformCode;
        this.affine = affine;
        this.data = ByteBuffer.wrap(data).order(order);
    }

    /** Sizes along i, j, k (1 for missing dimensions). */
    public int[] dim() {
        return dim.clone();
    }

    public int dim(int axis) {
        return dim[axis];
    }

    public int datatype() {
        return datatype;
    }

    public String datatypeName() {
        return NiftiReader.datatypeName(datatype);
    }

    /** Voxel sizes along i, j, k. */
    public double[] pixdim() {
        return pixdim.clone();
    }

    public double sclSlope() {
        return slope;
    }

    public double sclInter() {
        return intercept;
    }

    public int qformCode() {
        return qformCode;
    }

    public int sformCode() {
        return sformCode;
    }

    /** The 4×4 voxel (i, j, k) to RAS millimetre affine: sform when its code is positive, else qform, else the base affine. */
    public double[][] affine() {
        double[][] a = new double[4][];
        for (int r = 0; r < 4; r++) {
            a[r] = affine[r].clone();
        }
        return a;
    }

    public long voxelCount() {
        return (long) dim[0] * dim[1] * dim[2];
    }

    /** The scaled value at (i, j, k). */
    public double value(int i, int j, int k) {
        return value(i + (long) dim[0] * (j + (long) dim[1] * k));
    }

    /** The scaled value of the voxel at a file-order index. */
    public double value(long index) {
        double raw = raw((int) index);
        return slope == 1 && intercept == 0 ? raw : raw * slope + intercept;
    }

    /**
     * The voxels as unsigned byte labels in file order. uint8 data without scaling is returned as read
     * (do not modify it); any other data is converted, and a value that is not an integer in 0..255 is an
     * {@link IllegalArgumentException} naming the voxel.
     */
    public byte[] labels() {
        if (datatype == NiftiReader.DT_UINT8 && slope == 1 && intercept == 0) {
            return data.array();
        }
        int n = (int) voxelCount();
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            double v = value(i);
            long l = Math.round(v);
            if (l < 0 || l > 255 || Math.abs(v - l) > 1e-3) {
                throw new IllegalArgumentException("voxel " + i + " holds " + v + ", not a label in 0..255");
            }
            out[i] = (byte) l;
        }
        return out;
    }

    private double raw(int idx) {
        return switch (datatype) {
            case NiftiReader.DT_UINT8 -> data.get(idx) & 0xFF;
            case NiftiReader.DT_INT8 -> data.get(idx);
            case NiftiReader.DT_INT16 -> data.getShort(idx * 2);
            case NiftiReader.DT_UINT16 -> data.getShort(idx * 2) & 0xFFFF;
            case NiftiReader.DT_INT32 -> data.getInt(idx * 4);
            case NiftiReader.DT_UINT32 -> data.getInt(idx * 4) & 0xFFFFFFFFL;
            case NiftiReader.DT_INT64 -> data.getLong(idx * 8);
            case NiftiReader.DT_FLOAT32 -> data.getFloat(idx * 4);
            case NiftiReader.DT_FLOAT64 -> data.getDouble(idx * 8);
            default -> throw new IllegalStateException("datatype " + datatype);
        };
    }
}
