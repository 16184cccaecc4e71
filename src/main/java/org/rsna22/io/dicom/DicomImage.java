package org.rsna22.io.dicom;

/**
 * One decoded grayscale frame: the stored values (masked to BitsStored and sign-extended when
 * PixelRepresentation is 1) in row-major order, with the rescale that turns them into Hounsfield units.
 * MONOCHROME1 is only flagged: HU values are never inverted.
 */
public final class DicomImage {
    private final DicomFile header;
    private final int rows;
    private final int columns;
    private final int[] stored;
    private final int bitsStored;
    private final boolean signed;
    private final double slope;
    private final double intercept;

    public DicomImage(DicomFile header, int rows, int columns, int[] stored, int bitsStored, boolean signed,
               double slope, double intercept) {
        this.header = header;
        this.rows = rows;
        this.columns = columns;
        this.stored = stored;
        this.bitsStored = bitsStored;
        this.signed = signed;
        this.slope = slope;
        this.intercept = intercept;
    }

    public DicomFile header() {
        return header;
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return columns;
    }

    public int bitsStored() {
        return bitsStored;
    }

    public boolean signed() {
        return signed;
    }

    public double rescaleSlope() {
        return slope;
    }

    public double rescaleIntercept() {
        return intercept;
    }

    public boolean monochrome1() {
        return "MONOCHROME1".equals(header.dataset().getString(Tags.PHOTOMETRIC_INTERPRETATION));
    }

    /** The stored value of pixel i (row-major), exactly as encoded after masking and sign extension. */
    public long storedValue(int i) {
        return signed || bitsStored < 32 ? stored[i] : Integer.toUnsignedLong(stored[i]);
    }

    /** Direct access to the stored values; 32-bit unsigned data must be read through {@link #storedValue}. */
    public int[] storedValues() {
        return stored;
    }

    /** HU = stored × slope + intercept, as floats. */
    public float[] huFloat() {
        float[] out = new float[stored.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (storedValue(i) * slope + intercept);
        }
        return out;
    }

    /** HU rounded with {@link Math#round(double)} (halves up) and clamped to the int16 range. */
    public short[] huShort() {
        short[] out = new short[stored.length];
        if (slope == 1 && intercept == Math.rint(intercept) && Math.abs(intercept) < 1 << 20
                && (signed || bitsStored < 32)) {
            // the usual CT case: an integer shift, exact in int arithmetic (no double rounding per pixel)
            int shift = (int) intercept;
            for (int i = 0; i < out.length; i++) {
                out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, stored[i] + shift));
            }
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            long v = Math.round(storedValue(i) * slope + intercept);
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
        }
        return out;
    }
}
