package org.rsna22.submission;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.rsna22.dataset.CompetitionMetric;
import org.rsna22.dataset.CsvTable;
import org.rsna22.dataset.TrainLabelsCsv;

/**
 * Scores a submission file (row_id,fractured; 8 rows per study, row_id = UID_C1 … UID_C7, UID_patient_overall)
 * against labels in train.csv's layout with the competition metric. Every way the two files can disagree is an
 * {@link IllegalArgumentException} whose message names the file, the line and what is wrong.
 */
public final class SubmissionScore {

    /** A plain decimal number: optional sign, digits with an optional fraction, an optional exponent. */
    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private SubmissionScore() {
    }

    public static CompetitionMetric.Score score(Path submission, Path labels) throws IOException {
        Map<String, int[]> truth = labels(labels);
        Map<String, double[]> predicted = submission(submission);
        for (String uid : predicted.keySet()) {
            if (!truth.containsKey(uid)) {
                throw new IllegalArgumentException(submission + ": study " + uid + " is not in " + labels);
            }
        }
        for (String uid : truth.keySet()) {
            if (!predicted.containsKey(uid)) {
                throw new IllegalArgumentException(submission + ": study " + uid + " of " + labels + " has no rows");
            }
        }
        return CompetitionMetric.score(truth, predicted);
    }

    /**
     * The score of the constant prediction (the prevalence of each target in {@code trainingLabels}, a file in
     * train.csv's layout) on the studies of {@code labels}: the baseline a submission should beat.
     */
    public static CompetitionMetric.Score constantScore(Path labels, Path trainingLabels) throws IOException {
        double[] prevalence = CompetitionMetric.prevalence(labels(trainingLabels).values());
        Map<String, int[]> truth = labels(labels);
        Map<String, double[]> constant = new LinkedHashMap<>();
        truth.keySet().forEach(uid -> constant.put(uid, prevalence));
        return CompetitionMetric.score(truth, constant);
    }

    private static Map<String, int[]> labels(Path labels) throws IOException {
        List<String> rejected = new ArrayList<>();
        Map<String, int[]> truth = new LinkedHashMap<>();
        for (TrainLabelsCsv.Row r : TrainLabelsCsv.read(labels, (uid, reason) -> rejected.add(reason))) {
            if (truth.put(r.labels().studyUid(), CompetitionMetric.targets(r.labels())) != null) {
                throw new IllegalArgumentException(labels + ": study " + r.labels().studyUid() + " is listed twice");
            }
        }
        if (!rejected.isEmpty()) {
            throw new IllegalArgumentException(rejected.get(0));
        }
        if (truth.isEmpty()) {
            throw new IllegalArgumentException(labels + " has no study");
        }
        return truth;
    }

    private static Map<String, double[]> submission(Path submission) throws IOException {
        Map<String, double[]> out = new LinkedHashMap<>();
        Map<String, Long> seen = new LinkedHashMap<>();
        CsvTable table;
        try {
            table = CsvTable.read(submission);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (!table.header().equals(List.of("row_id", "fractured"))) {
            throw new IllegalArgumentException(submission + ": the header must be row_id,fractured");
        }
        for (CsvTable.Row row : table.rows()) {
            List<String> f = row.fields();
            long lineNo = row.line();
            String where = submission + " line " + lineNo;
            if (f.size() != 2) {
                throw new IllegalArgumentException(where + ": " + f.size() + " fields, expected row_id,fractured");
            }
            String rowId = f.get(0).trim();
            int cut = rowId.lastIndexOf('_');
            String target = cut < 0 ? "" : rowId.substring(cut + 1);
            if (rowId.endsWith("_patient_overall")) {
                cut = rowId.length() - "_patient_overall".length();
                target = "patient_overall";
            }
            int j = CompetitionMetric.TARGETS.indexOf(target);
            if (cut <= 0 || j < 0) {
                throw new IllegalArgumentException(where + ": row_id '" + rowId + "' is not UID_C1 … UID_C7 or "
                        + "UID_patient_overall");
            }
            String text = f.get(1).trim();
            // a plain decimal (1e-3 allowed): Java's parser would also take 0.5d, 0.5f, hex floats and "Infinity"
            if (!DECIMAL.matcher(text).matches()) {
                throw new IllegalArgumentException(where + ": '" + f.get(1) + "' is not a probability (a plain decimal "
                        + "number such as 0.25 or 2.5e-3)");
            }
            double p = Double.parseDouble(text);
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(where + ": probability " + f.get(1).trim() + " is outside [0, 1]");
            }
            if (seen.putIfAbsent(rowId, lineNo) != null) {
                throw new IllegalArgumentException(where + ": row " + rowId + " again (first on line "
                        + seen.get(rowId) + ")");
            }
            String uid = rowId.substring(0, cut);
            double[] v = out.computeIfAbsent(uid, u -> {
                double[] a = new double[CompetitionMetric.TARGETS.size()];
                Arrays.fill(a, Double.NaN);
                return a;
            });
            v[j] = p;
        }
        for (Map.Entry<String, double[]> e : out.entrySet()) {
            for (int j = 0; j < e.getValue().length; j++) {
                if (Double.isNaN(e.getValue()[j])) {
                    throw new IllegalArgumentException(submission + ": row " + e.getKey() + "_"
                            + CompetitionMetric.TARGETS.get(j) + " is missing");
                }
            }
        }
        return out;
    }
}
