package org.rsna22.dataset;

/** An item of a step that can be skipped, as it is named in skipped.csv. */
public interface StudyItem {
    String studyUid();

    /** The slice number, or an empty string for items that are whole studies or files without one. */
    String sliceLabel();
}
