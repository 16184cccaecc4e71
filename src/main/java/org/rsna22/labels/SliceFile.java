package org.rsna22.labels;

import java.nio.file.Path;

/** One file in a study folder; sliceNumber is -1 when the name is not {@code <slice_number>.dcm}. */
public record SliceFile(String studyUid, int sliceNumber, Path path) implements StudyItem {
    @Override
    public String sliceLabel() {
        return sliceNumber < 0 ? "" : Integer.toString(sliceNumber);
    }

    /** The slice number in a file name such as {@code 123.dcm}, or -1. */
    static int sliceNumberOf(String fileName) {
        if (!fileName.endsWith(".dcm") || fileName.length() < 5 || fileName.length() > 13) {
            return -1;
        }
        String n = fileName.substring(0, fileName.length() - 4);
        for (int i = 0; i < n.length(); i++) {
            if (!Character.isDigit(n.charAt(i)) || (i == 0 && n.charAt(i) == '0' && n.length() > 1)) {
                return -1;
            }
        }
        return Integer.parseInt(n);
    }
}
