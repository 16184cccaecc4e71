package org.rsna22.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** The files of a dataset in the competition's layout (SPEC §1) under one root folder. */
public record CompetitionLayout(Path root) {

    public Path trainCsv() {
        return root.resolve("train.csv");
    }

    public Path boundingBoxesCsv() {
        return root.resolve("train_bounding_boxes.csv");
    }

    public Path foldsCsv() {
        return root.resolve("train_folded_v01.csv");
    }

    public Path trainImages() {
        return root.resolve("train_images");
    }

    public Path testImages() {
        return root.resolve("test_images");
    }

    /** A test set's optional list of rows to predict: row_id, StudyInstanceUID, prediction_type. */
    public Path testCsv() {
        return root.resolve("test.csv");
    }

    /**
     * The studies a test set asks for, in order: those of test.csv (when present), then every other folder of
     * test_images/ named by a valid UID, sorted. Folders without readable slices are included: each gets an answer.
     */
    public List<String> testStudies() throws IOException {
        Set<String> out = new LinkedHashSet<>();
        if (Files.isRegularFile(testCsv())) {
            CsvTable table = CsvTable.read(testCsv());
            int col = table.column("StudyInstanceUID");
            for (CsvTable.Row row : table.rows()) {
                String uid = row.get(col).trim();
                if (!Uids.isValid(uid)) {
                    throw new IOException(testCsv() + " line " + row.line() + ": " + Uids.invalidReason(uid));
                }
                out.add(uid);
            }
        }
        if (Files.isDirectory(testImages())) {
            try (Stream<Path> s = Files.list(testImages())) {
                s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(Uids::isValid).sorted()
                        .forEach(out::add);
            }
        }
        return new ArrayList<>(out);
    }

    public Path segmentations() {
        return root.resolve("segmentations");
    }

    /** The study folder of a UID under train_images/. */
    public Path studyFolder(String uid) {
        return studyFolder(trainImages(), uid);
    }

    /** The slice number of a file named {@code <n>.dcm} (no leading zeros), or -1 for any other name. */
    public static int sliceNumberOf(String fileName) {
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

    /** The study folder of a UID under an images folder (train_images/ or test_images/), the UID checked first. */
    public static Path studyFolder(Path images, String uid) {
        requireUid(uid);
        return images.resolve(uid);
    }

    /** A test set: test_images/ and no train.csv (inference only, with the models of fold -1 or all folds). */
    public boolean isTestSet() {
        return !Files.isRegularFile(trainCsv()) && Files.isDirectory(testImages());
    }

    /**
     * Whether a file of a study folder may be read as a slice: a regular file (links followed) whose real path is
     * inside the dataset. Pipes would block a read; links out of the dataset are not followed.
     */
    public boolean readableFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            return file.toRealPath().startsWith(root.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /** A study's segmentation: {@code <UID>.nii}, or {@code <UID>.nii.gz} when only that exists. */
    public Path segmentation(String uid) {
        requireUid(uid);
        Path nii = segmentations().resolve(uid + ".nii");
        Path gz = segmentations().resolve(uid + ".nii.gz");
        return !Files.exists(nii) && Files.exists(gz) ? gz : nii;
    }

    private static void requireUid(String uid) {
        if (!Uids.isValid(uid)) {
            throw new IllegalArgumentException(Uids.invalidReason(uid));
        }
    }

    /** Checks for a test set: test_images/ without train.csv. */
    public void requireTestLayout() {
        if (!isTestSet()) {
            throw new IllegalArgumentException(Files.isRegularFile(trainCsv())
                    ? "data folder " + root + " has train.csv: this job needs a test set (test_images/ without train.csv)"
                    : "data folder " + root + " has no test_images/: this job needs a test set (test_images/<UID>/<n>.dcm)");
        }
    }

    /** Checks for a training dataset or a test set (test_images/ without train.csv). */
    public void requireTrainingOrTestLayout() {
        if (!isTestSet()) {
            requireTrainingLayout();
        }
    }

    /** Checks that this looks like a training dataset; the message says what is missing and what was expected. */
    public void requireTrainingLayout() {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("data folder " + root + " does not exist");
        }
        StringBuilder missing = new StringBuilder();
        if (!Files.isRegularFile(trainCsv())) {
            missing.append(" train.csv");
        }
        if (!Files.isDirectory(trainImages())) {
            missing.append(" train_images/");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("data folder " + root + " is not in the competition layout: missing"
                    + missing + " (expected train.csv, train_images/<StudyInstanceUID>/<slice>.dcm and optionally "
                    + "segmentations/<StudyInstanceUID>.nii, train_bounding_boxes.csv)");
        }
    }
}
