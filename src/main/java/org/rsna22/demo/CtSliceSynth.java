package org.rsna22.demo;

import java.util.SplittableRandom;
import org.rsna22.io.dicom.DicomObject;
import org.rsna22.io.dicom.Tags;
import org.rsna22.io.dicom.VR;

/**
 * CT-like axial slices for fixtures and benchmarks: air, an elliptic body of soft tissue and fat, a bony
 * ring with a marrow core, and scanner noise, in Hounsfield units; plus the DICOM header to store them.
 */
public final class CtSliceSynth {
    private CtSliceSynth() {
    }

    /** How stored values relate to HU. */
    public enum Storage {
        /** PixelRepresentation 1, BitsStored 16, intercept 0. */
        SIGNED,
        /** PixelRepresentation 0, BitsStored 12, intercept -1024. */
        UNSIGNED_12
    }

    /** A slice in HU, row-major, deterministic for a seed. */
    public static int[] hu(int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double cx = cols * (0.5 + 0.04 * (rnd.nextDouble() - 0.5));
        double cy = rows * (0.52 + 0.04 * (rnd.nextDouble() - 0.5));
        double ax = cols * 0.36;
        double ay = rows * 0.30;
        double bx = cx + cols * 0.02;
        double by = cy + rows * 0.06;
        double br = Math.min(rows, cols) * (0.07 + 0.01 * rnd.nextDouble());
        int[] out = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double ex = (c - cx) / ax;
                double ey = (r - cy) / ay;
                double e = ex * ex + ey * ey;
                double v;
                if (e > 1) {
                    v = -1000;
                } else {
                    v = e > 0.8 ? -90 : 40; // subcutaneous fat, then muscle
                    double d = Math.hypot(c - bx, r - by);
                    if (d < br) {
                        v = d > br * 0.7 ? 1100 : 250; // cortical shell, cancellous core
                    }
                    double t = Math.hypot(c - cx, r - (cy - ay * 0.45));
                    if (t < br * 0.45) {
                        v = -950; // trachea
                    }
                }
                v += rnd.nextGaussian() * 18;
                out[r * cols + c] = (int) Math.round(Math.max(-1024, Math.min(3071, v)));
            }
        }
        return out;
    }

    /** Stored values for HU values in the given storage. */
    public static int[] stored(int[] hu, Storage storage) {
        int[] out = new int[hu.length];
        int offset = storage == Storage.SIGNED ? 0 : 1024;
        for (int i = 0; i < hu.length; i++) {
            out[i] = hu[i] + offset;
        }
        return out;
    }

    /** The header of a CT image: patient geometry, pixel module and rescale for the storage. */
    public static DicomObject header(String studyUid, String seriesUid, String sopUid, int instanceNumber,
                                     int rows, int cols, double[] position, double spacing, Storage storage) {
        DicomObject d = new DicomObject();
        d.putString(Tags.SOP_CLASS_UID, VR.UI, "1.2.840.10008.5.1.4.1.1.2");
        d.putString(Tags.SOP_INSTANCE_UID, VR.UI, sopUid);
        d.putString(Tags.MODALITY, VR.CS, "CT");
        d.putString(Tags.PATIENT_ID, VR.LO, studyUid.substring(studyUid.lastIndexOf('.') + 1));
        d.putString(Tags.STUDY_INSTANCE_UID, VR.UI, studyUid);
        d.putString(Tags.SERIES_INSTANCE_UID, VR.UI, seriesUid);
        d.putString(Tags.INSTANCE_NUMBER, VR.IS, Integer.toString(instanceNumber));
        d.putDecimals(Tags.SLICE_THICKNESS, 1.0);
        d.putDecimals(Tags.IMAGE_POSITION_PATIENT, position);
        d.putDecimals(Tags.IMAGE_ORIENTATION_PATIENT, 1, 0, 0, 0, 1, 0);
        d.putUShort(Tags.SAMPLES_PER_PIXEL, 1);
        d.putString(Tags.PHOTOMETRIC_INTERPRETATION, VR.CS, "MONOCHROME2");
        d.putUShort(Tags.ROWS, rows);
        d.putUShort(Tags.COLUMNS, cols);
        d.putDecimals(Tags.PIXEL_SPACING, spacing, spacing);
        d.putUShort(Tags.BITS_ALLOCATED, 16);
        int bitsStored = storage == Storage.SIGNED ? 16 : 12;
        d.putUShort(Tags.BITS_STORED, bitsStored);
        d.putUShort(Tags.HIGH_BIT, bitsStored - 1);
        d.putUShort(Tags.PIXEL_REPRESENTATION, storage == Storage.SIGNED ? 1 : 0);
        d.putDecimals(Tags.WINDOW_CENTER, 400);
        d.putDecimals(Tags.WINDOW_WIDTH, 1800);
        d.putDecimals(Tags.RESCALE_INTERCEPT, storage == Storage.SIGNED ? 0 : -1024);
        d.putDecimals(Tags.RESCALE_SLOPE, 1);
        return d;
    }
}
