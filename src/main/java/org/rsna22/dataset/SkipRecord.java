package org.rsna22.dataset;


/** One row of skipped.csv: the step, the study, the slice (if any) and a reason a user can act on. */
public record SkipRecord(String step, String studyUid, String slice, String reason) {

    public static final String HEADER = "step,StudyInstanceUID,slice_number,reason";

    public String csvLine() {
        return line(step, studyUid, slice, reason);
    }

    public static String line(String step, String uid, String slice, String reason) {
        return Csv.line(step, uid, slice, reason);
    }
}
