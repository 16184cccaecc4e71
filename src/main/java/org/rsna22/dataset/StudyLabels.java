package org.rsna22.dataset;

/**
 * One row of train.csv: the study's overall label and the label of each cervical vertebra C1..C7.
 *
 * @param vertebrae 7 values, C1 first
 */
public record StudyLabels(String studyUid, int patientOverall, int[] vertebrae) {
    public StudyLabels {
        if (vertebrae.length != 7) {
            throw new IllegalArgumentException("7 vertebra labels expected, got " + vertebrae.length);
        }
    }
}
