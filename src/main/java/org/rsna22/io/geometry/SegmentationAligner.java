package org.rsna22.io.geometry;

import java.util.List;
import org.rsna22.io.nifti.NiftiVolume;

/**
 * Lays a NIfTI label volume onto a DICOM series by geometry: each DICOM pixel centre (LPS) is mapped
 * through the inverse of the NIfTI affine (RAS) to a voxel. Only grids that coincide are accepted (an
 * axis permutation with flips, the case of the competition's segmentations); anything else, or any
 * difference in size or slice count, is a {@link GeometryMismatchException} for that study.
 */
public final class SegmentationAligner {

    /** How far (in voxels) a mapped pixel centre may lie from a voxel centre. */
    private static final double TOLERANCE = 0.25;

    private SegmentationAligner() {
    }

    /** Aligns the volume onto slices given in slice_number order. */
    public static LabelVolume align(NiftiVolume volume, List<SliceGeometry> slices) throws GeometryMismatchException {
        if (slices.isEmpty()) {
            throw new GeometryMismatchException("the series has no slices");
        }
        SliceGeometry first = slices.get(0);
        int rows = first.rows();
        int cols = first.columns();
        for (SliceGeometry g : slices) {
            if (g.rows() != rows || g.columns() != cols) {
                throw new GeometryMismatchException("slices differ in size: " + cols + "×" + rows + " and "
                        + g.columns() + "×" + g.rows());
            }
        }
        int[] dim = volume.dim();
        double[][] inv = invert(volume.affine());
        double[] v00 = toVoxel(inv, first.pixelToPatient(0, 0));
        double[] dc = minus(toVoxel(inv, first.pixelToPatient(0, 1)), v00);
        double[] dr = minus(toVoxel(inv, first.pixelToPatient(1, 0)), v00);
        int axC = unitAxis(dc, "column");
        int axR = unitAxis(dr, "row");
        if (axC == axR) {
            throw new GeometryMismatchException("image rows and columns map onto the same segmentation axis");
        }
        int axS = 3 - axC - axR;
        if (dim[axC] != cols || dim[axR] != rows || dim[axS] != slices.size()) {
            throw new GeometryMismatchException(String.format(
                    "segmentation is %d×%d×%d voxels but the series has %d slices of %d×%d (columns×rows); "
                            + "it expects %d slices", dim[0], dim[1], dim[2], slices.size(), cols, rows, dim[axS]));
        }
        int signC = (int) Math.signum(dc[axC]);
        int signR = (int) Math.signum(dr[axR]);
        byte[] voxels;
        try {
            voxels = volume.labels();
        } catch (IllegalArgumentException e) {
            throw new GeometryMismatchException("the segmentation is not a label volume: " + e.getMessage());
        }
        // file-order strides of the three NIfTI axes, then of the image column, row and slice axes
        long[] stride = {1, dim[0], (long) dim[0] * dim[1]};
        long strideC = signC * stride[axC];
        long strideR = signR * stride[axR];
        LabelVolume out = new LabelVolume(slices.size(), rows, cols);
        boolean[] used = new boolean[dim[axS]];
        for (int s = 0; s < slices.size(); s++) {
            SliceGeometry g = slices.get(s);
            double[] o = toVoxel(inv, g.pixelToPatient(0, 0));
            int[] origin = new int[3];
            for (int a = 0; a < 3; a++) {
                origin[a] = (int) Math.round(o[a]);
                if (Math.abs(o[a] - origin[a]) > TOLERANCE) {
                    throw new GeometryMismatchException(String.format(
                            "slice %d lies between segmentation voxels (axis %d at %.3f)", s + 1, a, o[a]));
                }
            }
            int k = origin[axS];
            if (k < 0 || k >= dim[axS]) {
                throw new GeometryMismatchException(String.format(
                        "slice %d (z = %.2f) falls outside the segmentation's %d slices", s + 1, g.position()[2], dim[axS]));
            }
            if (used[k]) {
                throw new GeometryMismatchException("slices map twice onto segmentation slice " + k
                        + "; the series has duplicate positions");
            }
            used[k] = true;
            int c0 = origin[axC];
            int r0 = origin[axR];
            if (c0 != (signC > 0 ? 0 : cols - 1) || r0 != (signR > 0 ? 0 : rows - 1)) {
                throw new GeometryMismatchException("slice " + (s + 1) + " is shifted against the segmentation grid");
            }
            long base = c0 * stride[axC] + r0 * stride[axR] + k * stride[axS];
            byte[] target = out.slice(s);
            for (int r = 0; r < rows; r++) {
                long idx = base + r * strideR;
                int row = r * cols;
                for (int c = 0; c < cols; c++, idx += strideC) {
                    target[row + c] = voxels[(int) idx];
                }
            }
        }
        return out;
    }

    private static int unitAxis(double[] d, String what) throws GeometryMismatchException {
        int best = 0;
        for (int a = 1; a < 3; a++) {
            if (Math.abs(d[a]) > Math.abs(d[best])) {
                best = a;
            }
        }
        for (int a = 0; a < 3; a++) {
            double expected = a == best ? 1 : 0;
            if (Math.abs(Math.abs(d[a]) - expected) > 0.01) {
                throw new GeometryMismatchException(String.format(
                        "one image %s step moves (%.3f, %.3f, %.3f) voxels: the segmentation is not on the image "
                                + "grid (different spacing or oblique); resampling is not supported", what, d[0], d[1], d[2]));
            }
        }
        return best;
    }

    private static double[] toVoxel(double[][] inv, double[] lps) {
        double[] ras = {-lps[0], -lps[1], lps[2]};
        double[] v = new double[3];
        for (int r = 0; r < 3; r++) {
            v[r] = inv[r][0] * ras[0] + inv[r][1] * ras[1] + inv[r][2] * ras[2] + inv[r][3];
        }
        return v;
    }

    private static double[] minus(double[] a, double[] b) {
        return new double[] {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
    }

    /** Inverse of an affine 4×4 matrix (last row 0 0 0 1). */
    static double[][] invert(double[][] m) throws GeometryMismatchException {
        double a = m[0][0], b = m[0][1], c = m[0][2];
        double d = m[1][0], e = m[1][1], f = m[1][2];
        double g = m[2][0], h = m[2][1], i = m[2][2];
        double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
        if (Math.abs(det) < 1e-12) {
            throw new GeometryMismatchException("the segmentation's affine is singular");
        }
        double[][] r = new double[4][4];
        r[0][0] = (e * i - f * h) / det;
        r[0][1] = (c * h - b * i) / det;
        r[0][2] = (b * f - c * e) / det;
        r[1][0] = (f * g - d * i) / det;
        r[1][1] = (a * i - c * g) / det;
        r[1][2] = (c * d - a * f) / det;
        r[2][0] = (d * h - e * g) / det;
        r[2][1] = (b * g - a * h) / det;
        r[2][2] = (a * e - b * d) / det;
        for (int row = 0; row < 3; row++) {
            r[row][3] = -(r[row][0] * m[0][3] + r[row][1] * m[1][3] + r[row][2] * m[2][3]);
        }
        r[3][3] = 1;
        return r;
    }
}
