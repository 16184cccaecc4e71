package org.rsna22.io.geometry;

import org.rsna22.io.dicom.DicomException;
import org.rsna22.io.dicom.DicomFile;
import org.rsna22.io.dicom.Tags;

/**
 * Where one DICOM slice lies in patient space (LPS millimetres): the position of its first pixel, the
 * directions of increasing column and row index, and the pixel spacing.
 *
 * @param position        ImagePositionPatient: centre of pixel (row 0, column 0)
 * @param rowDirection    first triplet of ImageOrientationPatient: the direction of increasing column index
 * @param columnDirection second triplet: the direction of increasing row index
 * @param rowSpacing      PixelSpacing[0]: distance between rows
 * @param columnSpacing   PixelSpacing[1]: distance between columns
 */
public record SliceGeometry(double[] position, double[] rowDirection, double[] columnDirection,
                            double rowSpacing, double columnSpacing, int rows, int columns) {

    /** The geometry of a slice from its header; a missing attribute is a MISSING_ATTRIBUTE error. */
    public static SliceGeometry of(DicomFile f) throws DicomException {
        double[] ipp = require(f, Tags.IMAGE_POSITION_PATIENT, 3);
        double[] iop = require(f, Tags.IMAGE_ORIENTATION_PATIENT, 6);
        double[] ps = require(f, Tags.PIXEL_SPACING, 2);
        return new SliceGeometry(ipp, new double[] {iop[0], iop[1], iop[2]}, new double[] {iop[3], iop[4], iop[5]},
                ps[0], ps[1], f.requireInt(Tags.ROWS), f.requireInt(Tags.COLUMNS));
    }

    private static double[] require(DicomFile f, int tag, int n) throws DicomException {
        double[] v = f.doubles(tag);
        if (v == null || v.length < n) {
            throw new DicomException(DicomException.Kind.MISSING_ATTRIBUTE, f.name(), tag, -1,
                    "needs " + n + " values, found " + (v == null ? 0 : v.length));
        }
        return v;
    }

    /** The LPS position of the centre of pixel (row, column). */
    public double[] pixelToPatient(double row, double column) {
        double[] p = new double[3];
        for (int a = 0; a < 3; a++) {
            p[a] = position[a] + column * columnSpacing * rowDirection[a] + row * rowSpacing * columnDirection[a];
        }
        return p;
    }
}
