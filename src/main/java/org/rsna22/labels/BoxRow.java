package org.rsna22.labels;

import org.rsna22.dataset.Csv;

/**
 * One row of train_bbox_v01.csv.gz (SPEC §3). As in the original, {@code height} is x1 - x0 and
 * {@code width} is y1 - y0: the names are swapped, kept for compatibility.
 */
public record BoxRow(String studyUid, int sliceNumber, int x0, int y0, int x1, int y1, boolean hasBox, int fold) {

    public static final String HEADER = "StudyInstanceUID,slice_number,x0,y0,x1,y1,has_box,height,width,fold";

    public String csvLine() {
        return Csv.line(studyUid, sliceNumber, x0, y0, x1, y1, hasBox ? 1 : 0, x1 - x0, y1 - y0, fold);
    }
}
