package org.rsna22.labels;

import java.nio.file.Path;
import org.rsna22.dataset.StudyItem;

/** One file in a study folder; sliceNumber is -1 when the name is not {@code <slice_number>.dcm}. */
public record SliceFile(String studyUid, int sliceNumber, Path path) implements StudyItem {
    @Override
    public String sliceLabel() {
        return sliceNumber < 0 ? "" : Integer.toString(sliceNumber);
    }
}
