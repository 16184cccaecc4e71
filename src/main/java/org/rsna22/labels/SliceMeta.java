package org.rsna22.labels;

import org.rsna22.dataset.Csv;

/** One row of slice_meta_v01.csv.gz: what a header-only read says about a slice. */
public record SliceMeta(String studyUid, int sliceNumber, double x, double y, double z, int rows, int columns,
                        double rowSpacing, double columnSpacing, String orientation, String transferSyntaxUid,
                        double rescaleSlope, double rescaleIntercept) {

    public static final String HEADER = "StudyInstanceUID,slice_number,x,y,z,rows,cols,spacing_row,spacing_col,"
            + "orientation,transfer_syntax,rescale_slope,rescale_intercept";

    public String csvLine() {
        return Csv.line(studyUid, sliceNumber, x, y, z, rows, columns, rowSpacing, columnSpacing, orientation,
                transferSyntaxUid, rescaleSlope, rescaleIntercept);
    }
}
