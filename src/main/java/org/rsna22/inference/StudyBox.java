package org.rsna22.inference;

import org.rsna22.dataset.Csv;

/** One row of train_bbox_pred_v02.csv.gz (SPEC §5): the study box in pixels and the slice range. */
public record StudyBox(String studyUid, int x0, int y0, int x1, int y1, int slnumFrom, int slnumTo, int slnumMax) {

    public static final String HEADER = "StudyInstanceUID,x0,y0,x1,y1,slnum_from,slnum_to,slnum_max";

    public String csvLine() {
        return Csv.line(studyUid, x0, y0, x1, y1, slnumFrom, slnumTo, slnumMax);
    }
}
