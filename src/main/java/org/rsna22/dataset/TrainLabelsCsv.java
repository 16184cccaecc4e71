package org.rsna22.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Reads train.csv (StudyInstanceUID,patient_overall,C1..C7) and train_folded_v01.csv (the same plus fold).
 * Rows that cannot be used are handed to a callback with the reason instead of stopping the read.
 */
public final class TrainLabelsCsv {

    /** A labelled study with its fold, or -1 when the file has no fold column. */
    public record Row(StudyLabels labels, int fold) {
    }

    private static final String[] VERTEBRAE = {"C1", "C2", "C3", "C4", "C5", "C6", "C7"};

    private TrainLabelsCsv() {
    }

    public static List<Row> read(Path csv, BiConsumer<String, String> rejected) throws IOException {
        List<Row> rows = new ArrayList<>();
        CsvTable table;
        try {
            table = CsvTable.read(csv);
        } catch (IOException e) {
            throw Files.size(csv) == 0
                    ? new IOException(csv + " is empty; expected a header StudyInstanceUID,patient_overall,C1..C7")
                    : e;
        }
        List<String> cols = table.header();
        int uid = index(cols, "StudyInstanceUID", csv);
        int overall = index(cols, "patient_overall", csv);
        int[] v = new int[7];
        for (int i = 0; i < 7; i++) {
            v[i] = index(cols, VERTEBRAE[i], csv);
        }
        int fold = cols.indexOf("fold");
        for (CsvTable.Row row : table.rows()) {
            List<String> f = row.fields();
            String id = row.get(uid).trim();
            if (f.size() != cols.size()) {
                rejected.accept(id, csv.getFileName() + " line " + row.line() + ": " + f.size() + " fields, header has "
                        + cols.size());
                continue;
            }
            if (!Uids.isValid(id)) {
                rejected.accept(id, csv.getFileName() + " line " + row.line() + ": StudyInstanceUID "
                        + Uids.invalidReason(id));
                continue;
            }
            try {
                int[] labels = new int[7];
                for (int i = 0; i < 7; i++) {
                    labels[i] = binary(f.get(v[i]), VERTEBRAE[i]);
                }
                int o = binary(f.get(overall), "patient_overall");
                rows.add(new Row(new StudyLabels(id, o, labels), fold < 0 ? -1 : Integer.parseInt(f.get(fold).trim())));
            } catch (NumberFormatException e) {
                rejected.accept(id, csv.getFileName() + " line " + row.line() + ": " + e.getMessage());
            }
        }
        return rows;
    }

    private static int binary(String s, String column) {
        String t = s.trim();
        if (t.equals("0") || t.equals("1")) {
            return t.charAt(0) - '0';
        }
        throw new NumberFormatException(column + " is '" + t + "', expected 0 or 1");
    }

    private static int index(List<String> cols, String name, Path csv) throws IOException {
        int i = cols.indexOf(name);
        if (i < 0) {
            throw new IOException(csv + " has no column " + name + "; header is " + String.join(",", cols));
        }
        return i;
    }

    /** Writes train_folded_v01.csv content: train.csv columns plus fold, in the given order. */
    public static String foldedCsv(List<StudyLabels> studies, Map<String, Integer> folds) {
        StringBuilder sb = new StringBuilder("StudyInstanceUID,patient_overall,C1,C2,C3,C4,C5,C6,C7,fold\n");
        for (StudyLabels s : studies) {
            sb.append(s.studyUid()).append(',').append(s.patientOverall());
            for (int v : s.vertebrae()) {
                sb.append(',').append(v);
            }
            sb.append(',').append(folds.get(s.studyUid())).append('\n');
        }
        return sb.toString();
    }
}
