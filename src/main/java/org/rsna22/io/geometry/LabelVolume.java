package org.rsna22.io.geometry;

/** Integer labels laid on a DICOM series: {@code label(s, r, c)} for slice s in slice_number order. */
public final class LabelVolume {
    private final int slices;
    private final int rows;
    private final int columns;
    private final byte[][] labels;

    LabelVolume(int slices, int rows, int columns) {
        this.slices = slices;
        this.rows = rows;
        this.columns = columns;
        this.labels = new byte[slices][rows * columns];
    }

    /** A volume of the given slices, each rows×columns labels row-major (copied). */
    public static LabelVolume of(int rows, int columns, byte[]... slices) {
        LabelVolume v = new LabelVolume(slices.length, rows, columns);
        for (int s = 0; s < slices.length; s++) {
            if (slices[s].length != rows * columns) {
                throw new IllegalArgumentException("slice " + s + " holds " + slices[s].length + " labels, not "
                        + rows + "×" + columns);
            }
            System.arraycopy(slices[s], 0, v.labels[s], 0, rows * columns);
        }
        return v;
    }

    public int slices() {
        return slices;
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return columns;
    }

    public int label(int s, int r, int c) {
        return labels[s][r * columns + c] & 0xFF;
    }

    /** The labels of one slice, row-major (unsigned bytes). */
    public byte[] slice(int s) {
        return labels[s];
    }
}
