package org.rsna22.labels;

import java.util.List;
import org.rsna22.dataset.Csv;
import org.rsna22.dataset.StudyItem;
import org.rsna22.dataset.StudyLabels;

/**
 * A study admitted by the studyList step: its labels, how many files its folder holds and whether it has a
 * segmentation. One row of parts/prepare/studies.csv, which fixes the order and the partitions of later steps.
 */
public record StudyEntry(StudyLabels labels, int files, boolean segmented) implements StudyItem {

    static final String HEADER = "StudyInstanceUID,patient_overall,C1,C2,C3,C4,C5,C6,C7,files,segmented";

    @Override
    public String studyUid() {
        return labels.studyUid();
    }

    @Override
    public String sliceLabel() {
        return "";
    }

    String csvLine() {
        int[] v = labels.vertebrae();
        return Csv.line(studyUid(), labels.patientOverall(), v[0], v[1], v[2], v[3], v[4], v[5], v[6], files,
                segmented ? 1 : 0);
    }

    static StudyEntry parse(String line) {
        List<String> f = Csv.parse(line);
        int[] v = new int[7];
        for (int i = 0; i < 7; i++) {
            v[i] = Integer.parseInt(f.get(2 + i));
        }
        return new StudyEntry(new StudyLabels(f.get(0), Integer.parseInt(f.get(1)), v), Integer.parseInt(f.get(9)),
                f.get(10).equals("1"));
    }
}
