package org.rsna22.labels;

import java.nio.file.Path;

/** Where the prepare job keeps its outputs (names per DESIGN.md) and its per-partition parts. */
public record PrepareWork(Path work) {

    public Path parts() {
        return work.resolve("parts").resolve("prepare");
    }

    public Path studies() {
        return parts().resolve("studies.csv");
    }

    public Path studyListSkipped() {
        return parts().resolve("studyList.skipped.csv");
    }

    /** Folder of one partitioned step's part files ({@code <partition>.csv} and {@code <partition>.skipped.csv}). */
    public Path partDir(String step) {
        return parts().resolve(step);
    }

    public Path folds() {
        return work.resolve("train_folded_v01.csv");
    }

    public Path sliceMeta() {
        return work.resolve("slice_meta_v01.csv.gz");
    }

    public Path bboxLabels() {
        return work.resolve("train_bbox_v01.csv.gz");
    }

    public Path allSlices() {
        return work.resolve("train_all_slices_v01.csv.gz");
    }

    public Path skipped() {
        return work.resolve("skipped.csv");
    }
}
