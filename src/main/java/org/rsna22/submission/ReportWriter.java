package org.rsna22.submission;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.CompetitionMetric;
import org.rsna22.dataset.CsvFiles;
import org.rsna22.dataset.TrainLabelsCsv;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.dicom.DicomSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * work/report/index.html: one self-contained page (every picture inline) with the training curves of every run, the
 * out-of-fold metric beside the prevalence constant, ROC curves, the study-box errors and, for a few studies, their
 * slices with predicted and true boxes, p(has_box) along z and the predicted fracture probabilities; each of those
 * studies also as an animation in work/report/studies/UID.gif. Sections whose inputs are missing say so.
 */
public final class ReportWriter {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> VERTEBRAE = List.of("C1", "C2", "C3", "C4", "C5", "C6", "C7");
    private static final int STRIP_SLICES = 8;
    private static final int MAX_FRAMES = 96;

    private final CompetitionLayout data;
    private final WorkLayout work;
    private final ExperimentConfig config;
    private final StudyPictures pictures;
    private final int sampleStudies;
    private final StringBuilder html = new StringBuilder();
    private int images;

    public ReportWriter(CompetitionLayout data, WorkLayout work, ExperimentConfig config, DicomSource dicom,
                        int sampleStudies) {
        this.data = data;
        this.work = work;
        this.config = config;
        this.pictures = new StudyPictures(dicom, config.bbox().windowLevel(), config.bbox().windowWidth(), 128);
        this.sampleStudies = sampleStudies;
    }

    /** Writes the page and the animations; returns the number of pictures on the page. */
    public int write() throws IOException {
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rsna22 report: ")
                .append(esc(config.name())).append("</title>\n<style>")
                .append("body{font-family:sans-serif;margin:24px;max-width:1200px;color:#222}")
                .append("table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;")
                .append("text-align:right}th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}")
                .append("img{margin:4px;vertical-align:top}.note{color:#666}h2{border-bottom:1px solid #ddd}")
                .append("</style></head><body>\n");
        html.append("<h1>rsna22 report</h1>\n<p class=\"note\">work folder ").append(esc(work.root().toString()))
                .append(", config ").append(esc(config.name())).append(", written ")
                .append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))).append("</p>\n");
        Map<String, int[]> labels = labels();
        Map<String, double[]> oof = oof();
        scores();
        curves();
        roc(labels, oof);
        Map<String, int[]> predicted = predictedStudyBoxes(Subset.TRAIN);
        Map<String, Map<Integer, int[]>> sliceTruth = trueSliceBoxes();
        boxErrors(predicted, trueStudyBoxes(sliceTruth));
        studies(labels, oof, predicted, sliceTruth);
        html.append("</body></html>\n");
        AtomicFiles.write(work.reportIndex(), html.toString().getBytes(StandardCharsets.UTF_8));
        return images;
    }

    // --- sections ---

    private void scores() throws IOException {
        html.append("<h2>Out-of-fold score</h2>\n");
        if (!Files.isRegularFile(work.cvScore())) {
            html.append("<p class=\"note\">no ").append(esc(work.cvScore().getFileName().toString()))
                    .append(" yet: run train-fracture.</p>\n");
            return;
        }
        JsonNode cv = JSON.readTree(Files.readString(work.cvScore()));
        JsonNode constant = cv.get("prevalence_constant");
        html.append(String.format(Locale.ROOT, "<p>competition metric <b>%.4f</b> on %d studies; the constant "
                + "prevalence prediction scores %.4f on the same studies (ratio %.2f). Slice-fracture models: %s.</p>%n",
                cv.get("metric").asDouble(), cv.get("studies").asInt(), constant.get("metric").asDouble(),
                cv.get("ratio_to_constant").asDouble(), esc(cv.get("slice_fracture_models").asString())));
        html.append("<table><tr><th>label</th><th>model</th><th>prevalence constant</th></tr>\n");
        for (String t : CompetitionMetric.TARGETS) {
            html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.4f</td><td>%.4f</td></tr>%n", t,
                    cv.get("per_label").get(t).asDouble(), constant.get("per_label").get(t).asDouble()));
        }
        html.append("</table>\n<table><tr><th>fold</th><th>metric</th></tr>\n");
        for (Map.Entry<String, JsonNode> e : cv.get("per_fold").properties()) {
            html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.4f</td></tr>%n", esc(e.getKey()),
                    e.getValue().asDouble()));
        }
        html.append("</table>\n");
        if (Files.isRegularFile(work.submission())) {
            long rows;
            try (Stream<String> s = Files.lines(work.submission())) {
                rows = s.count() - 1;
            }
            html.append("<p>test set: ").append(esc(work.submission().toString())).append(" has ").append(rows)
                    .append(" rows (").append(rows / 8).append(" studies).</p>\n");
        }
    }

    /** Per model: loss curves and the first validation metric of every fold × seed. */
    private void curves() throws IOException {
        html.append("<h2>Training curves</h2>\n");
        Map<String, Map<String, List<String[]>>> byModel = new TreeMap<>();
        Map<String, String[]> headers = new HashMap<>();
        Path runs = work.runs(config.name());
        String metricsName = new RunFolder(runs).metrics().getFileName().toString();
        if (Files.isDirectory(runs)) {
            try (Stream<Path> s = Files.walk(runs, 4)) {
                for (Path p : s.filter(f -> f.getFileName().toString().equals(metricsName)).sorted().toList()) {
                    Path rel = runs.relativize(p.getParent());
                    String model = rel.getNameCount() == 2 ? "box localiser" : rel.getName(0).toString();
                    String run = rel.getName(rel.getNameCount() - 2) + "/" + rel.getName(rel.getNameCount() - 1);
                    List<String> lines = Files.readAllLines(p);
                    if (lines.size() < 2) {
                        continue;
                    }
                    headers.put(model, lines.get(0).split(","));
                    List<String[]> rows = new ArrayList<>();
                    lines.subList(1, lines.size()).forEach(l -> rows.add(l.split(",", -1)));
                    byModel.computeIfAbsent(model, k -> new TreeMap<>()).put(run, rows);
                }
            }
        }
        if (byModel.isEmpty()) {
            html.append("<p class=\"note\">no finished epoch yet under ").append(esc(runs.toString())).append("</p>\n");
            return;
        }
        for (Map.Entry<String, Map<String, List<String[]>>> m : byModel.entrySet()) {
            List<String> cols = List.of(headers.get(m.getKey()));
            Map<String, double[][]> loss = new LinkedHashMap<>();
            Map<String, double[][]> metric = new LinkedHashMap<>();
            String metricName = cols.get(3).equals("lr") ? null : cols.get(3);
            for (Map.Entry<String, List<String[]>> r : m.getValue().entrySet()) {
                loss.put(r.getKey() + " train", column(r.getValue(), cols.indexOf("train_loss")));
                loss.put(r.getKey() + " validation", column(r.getValue(), cols.indexOf("val_loss")));
                if (metricName != null) {
                    metric.put(r.getKey(), column(r.getValue(), 3));
                }
            }
            html.append("<h3>").append(esc(m.getKey())).append("</h3>\n");
            img(ReportCharts.lines(m.getKey() + ": loss per epoch", "epoch", "loss", loss, false),
                    m.getKey() + " loss");
            if (metricName != null) {
                img(ReportCharts.lines(m.getKey() + ": " + metricName + " per epoch", "epoch", metricName, metric,
                        false), m.getKey() + " " + metricName);
            }
        }
    }

    /** ROC of patient_overall and of each vertebra, out of fold. */
    private void roc(Map<String, int[]> labels, Map<String, double[]> oof) {
        html.append("<h2>ROC curves, out of fold</h2>\n");
        if (oof.isEmpty()) {
            html.append("<p class=\"note\">no out-of-fold predictions yet: run train-fracture.</p>\n");
            return;
        }
        Map<String, double[][]> overall = new LinkedHashMap<>();
        Map<String, double[][]> vertebrae = new LinkedHashMap<>();
        for (int j = 0; j < CompetitionMetric.TARGETS.size(); j++) {
            List<double[]> pairs = new ArrayList<>();
            for (Map.Entry<String, double[]> e : oof.entrySet()) {
                int[] y = labels.get(e.getKey());
                if (y != null) {
                    pairs.add(new double[] {e.getValue()[j], y[j]});
                }
            }
            double[][] curve = Roc.curve(pairs);
            String name = String.format(Locale.ROOT, "%s (AUC %s)", CompetitionMetric.TARGETS.get(j),
                    Double.isNaN(Roc.auc(curve)) ? "n/a: one class" : String.format(Locale.ROOT, "%.2f", Roc.auc(curve)));
            (j == 0 ? overall : vertebrae).put(name, curve);
        }
        img(ReportCharts.lines("patient_overall", "false positive rate", "true positive rate", overall, true),
                "ROC patient_overall");
        img(ReportCharts.lines("each vertebra", "false positive rate", "true positive rate", vertebrae, true),
                "ROC per vertebra");
    }

    /** Predicted study boxes against the boxes of the segmentation labels: IoU and slice range error. */
    private void boxErrors(Map<String, int[]> predicted, Map<String, int[]> truth) {
        html.append("<h2>Study boxes</h2>\n");
        List<Double> iou = new ArrayList<>();
        List<Double> range = new ArrayList<>();
        for (Map.Entry<String, int[]> e : predicted.entrySet()) {
            int[] t = truth.get(e.getKey());
            if (t != null) {
                iou.add(iou(e.getValue(), t));
                range.add((Math.abs(e.getValue()[4] - t[4]) + Math.abs(e.getValue()[5] - t[5])) / 2.0);
            }
        }
        if (iou.isEmpty()) {
            html.append("<p class=\"note\">no predicted study box of a segmented study yet: run prepare, train-bbox and "
                    + "infer-bbox.</p>\n");
            return;
        }
        html.append(String.format(Locale.ROOT, "<p>%d segmented studies: mean IoU %.3f of the predicted study box with "
                + "the box of the segmentation; slice range off by %.1f slices on average.</p>%n", iou.size(),
                iou.stream().mapToDouble(Double::doubleValue).average().orElse(0),
                range.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
        img(ReportCharts.histogram("study box IoU", "IoU", iou, 10), "study box IoU histogram");
        img(ReportCharts.histogram("slice range error", "slices", range, 10), "slice range error histogram");
    }

    /** A few training studies: fractured and not, with a segmentation where there is one. */
    private void studies(Map<String, int[]> labels, Map<String, double[]> oof, Map<String, int[]> predicted,
                         Map<String, Map<Integer, int[]>> sliceTruth) throws IOException {
        html.append("<h2>Studies</h2>\n<p class=\"note\">red: predicted study box (within the predicted slice range); "
                + "green: the box of the segmentation on that slice.</p>\n");
        if (predicted.isEmpty()) {
            html.append("<p class=\"note\">no study boxes yet.</p>\n");
            return;
        }
        Map<String, double[][]> profiles = hasBoxProfiles();
        List<String> chosen = new ArrayList<>();
        for (boolean fractured : new boolean[] {true, false}) {
            for (String uid : predicted.keySet()) {
                int[] y = labels.get(uid);
                if (chosen.size() < sampleStudies && y != null && (y[0] == 1) == fractured
                        && sliceTruth.containsKey(uid) && chosen.stream().filter(c -> (labels.get(c)[0] == 1)
                        == fractured).count() < (sampleStudies + 1) / 2) {
                    chosen.add(uid);
                }
            }
        }
        for (String uid : predicted.keySet()) {
            if (chosen.size() < sampleStudies && !chosen.contains(uid)) {
                chosen.add(uid);
            }
        }
        for (String uid : chosen) {
            study(uid, predicted.get(uid), sliceTruth.getOrDefault(uid, Map.of()), profiles.get(uid), labels.get(uid),
                    oof.get(uid));
        }
    }

    private void study(String uid, int[] box, Map<Integer, int[]> truth, double[][] profile, int[] y, double[] p)
            throws IOException {
        List<Integer> numbers = sliceNumbers(uid);
        html.append("<h3>").append(esc(uid)).append("</h3>\n<p>");
        if (y != null) {
            List<String> broken = new ArrayList<>();
            for (int v = 0; v < 7; v++) {
                if (y[v + 1] == 1) {
                    broken.add(VERTEBRAE.get(v));
                }
            }
            html.append("labels: ").append(broken.isEmpty() ? "no fracture" : "fractured " + String.join(", ", broken))
                    .append(". ");
        }
        html.append(String.format(Locale.ROOT, "predicted box x %d..%d, y %d..%d, slices %d..%d of %d.</p>%n", box[0],
                box[2], box[1], box[3], box[4], box[5], numbers.size()));
        List<StudyPictures.Frame> all = new ArrayList<>();
        for (int n : numbers) {
            boolean inRange = n >= box[4] && n <= box[5];
            all.add(new StudyPictures.Frame(data.trainImages().resolve(uid).resolve(n + ".dcm"), n,
                    inRange ? box : null, truth.get(n)));
        }
        List<StudyPictures.Frame> strip = new ArrayList<>();
        for (int i = 0; i < STRIP_SLICES; i++) {
            strip.add(all.get((int) Math.round((all.size() - 1) * (i + 0.5) / STRIP_SLICES)));
        }
        img(pictures.strip(strip), uid + " slices");
        html.append("<br>\n");
        if (profile != null) {
            img(ReportCharts.profile("p(has_box) along the slices", "slice number", "p(has_box)", profile[0],
                    profile[1], 420, 220), uid + " p(has_box)");
        }
        if (p != null) {
            LinkedHashMap<String, double[]> rows = new LinkedHashMap<>();
            rows.put("predicted (out of fold)", new double[] {p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[0]});
            if (y != null) {
                rows.put("label", new double[] {y[1], y[2], y[3], y[4], y[5], y[6], y[7], y[0]});
            }
            List<String> cats = new ArrayList<>(VERTEBRAE);
            cats.add("overall");
            img(ReportCharts.bars("fracture probability", "p", rows, cats, 460, 220), uid + " fracture probabilities");
        }
        List<StudyPictures.Frame> frames = new ArrayList<>();
        int step = Math.max(1, (int) Math.ceil(all.size() / (double) MAX_FRAMES));
        for (int i = 0; i < all.size(); i += step) {
            frames.add(all.get(i));
        }
        byte[] gif = pictures.animation(frames, 8);
        Path file = work.reportStudyAnimation(uid);
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, gif);
        html.append("<br>\n<img alt=\"").append(esc(uid)).append(" animation\" src=\"data:image/gif;base64,")
                .append(Base64.getEncoder().encodeToString(gif)).append("\">\n<p class=\"note\">animation: ")
                .append(esc(work.report().relativize(file).toString())).append("</p>\n");
        images++;
    }

    // --- inputs ---

    private Map<String, int[]> labels() throws IOException {
        Map<String, int[]> out = new HashMap<>();
        if (Files.isRegularFile(work.folds())) {
            for (TrainLabelsCsv.Row r : TrainLabelsCsv.read(work.folds(), (uid, reason) -> { })) {
                out.put(r.labels().studyUid(), CompetitionMetric.targets(r.labels()));
            }
        }
        return out;
    }

    private Map<String, double[]> oof() throws IOException {
        Map<String, double[]> out = new LinkedHashMap<>();
        if (Files.isRegularFile(work.oofStudyPredictions())) {
            for (List<String> f : CsvFiles.readGz(work.oofStudyPredictions())) {
                double[] p = new double[8];
                for (int j = 0; j < 8; j++) {
                    p[j] = Double.parseDouble(f.get(1 + j));
                }
                out.put(f.get(0), p);
            }
        }
        return out;
    }

    /** x0, y0, x1, y1, slnum_from, slnum_to per study. */
    private Map<String, int[]> predictedStudyBoxes(Subset subset) throws IOException {
        Map<String, int[]> out = new TreeMap<>();
        if (Files.isRegularFile(work.bboxPred(subset))) {
            for (List<String> f : CsvFiles.readGz(work.bboxPred(subset))) {
                int[] b = new int[6];
                for (int k = 0; k < 6; k++) {
                    b[k] = Integer.parseInt(f.get(1 + k));
                }
                out.put(f.get(0), b);
            }
        }
        return out;
    }

    /** Per segmented study and slice with C1-C7: its box (train_bbox_v01). */
    private Map<String, Map<Integer, int[]>> trueSliceBoxes() throws IOException {
        Map<String, Map<Integer, int[]>> out = new HashMap<>();
        if (Files.isRegularFile(work.bboxLabels())) {
            for (List<String> f : CsvFiles.readGz(work.bboxLabels())) {
                if (f.get(6).equals("1")) {
                    out.computeIfAbsent(f.get(0), k -> new HashMap<>()).put(Integer.parseInt(f.get(1)), new int[] {
                        Integer.parseInt(f.get(2)), Integer.parseInt(f.get(3)), Integer.parseInt(f.get(4)),
                        Integer.parseInt(f.get(5))});
                }
            }
        }
        return out;
    }

    /** The union of a segmented study's slice boxes and its first and last slice with a box. */
    private static Map<String, int[]> trueStudyBoxes(Map<String, Map<Integer, int[]>> sliceTruth) {
        Map<String, int[]> out = new HashMap<>();
        sliceTruth.forEach((uid, slices) -> {
            int[] b = {Integer.MAX_VALUE, Integer.MAX_VALUE, -1, -1, Integer.MAX_VALUE, -1};
            slices.forEach((n, s) -> {
                b[0] = Math.min(b[0], s[0]);
                b[1] = Math.min(b[1], s[1]);
                b[2] = Math.max(b[2], s[2]);
                b[3] = Math.max(b[3], s[3]);
                b[4] = Math.min(b[4], n);
                b[5] = Math.max(b[5], n);
            });
            out.put(uid, b);
        });
        return out;
    }

    /** Per study: slice numbers and p(has_box) of the middle slices (train_bbox_slice_pred_v02). */
    private Map<String, double[][]> hasBoxProfiles() throws IOException {
        Map<String, List<double[]>> rows = new HashMap<>();
        if (Files.isRegularFile(work.bboxSlicePred(Subset.TRAIN))) {
            for (List<String> f : CsvFiles.readGz(work.bboxSlicePred(Subset.TRAIN))) {
                rows.computeIfAbsent(f.get(0), k -> new ArrayList<>())
                        .add(new double[] {Double.parseDouble(f.get(1)), Double.parseDouble(f.get(2))});
            }
        }
        Map<String, double[][]> out = new HashMap<>();
        rows.forEach((uid, r) -> {
            r.sort((a, b) -> Double.compare(a[0], b[0]));
            double[][] xy = new double[2][r.size()];
            for (int i = 0; i < r.size(); i++) {
                xy[0][i] = r.get(i)[0];
                xy[1][i] = r.get(i)[1];
            }
            out.put(uid, xy);
        });
        return out;
    }

    private List<Integer> sliceNumbers(String uid) throws IOException {
        List<Integer> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(CompetitionLayout.studyFolder(data.trainImages(), uid))) {
            s.map(p -> CompetitionLayout.sliceNumberOf(p.getFileName().toString())).filter(n -> n > 0).sorted()
                    .forEach(out::add);
        }
        return out;
    }

    // --- helpers ---

    private static double[][] column(List<String[]> rows, int col) {
        double[][] xy = new double[2][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            xy[0][i] = Double.parseDouble(rows.get(i)[0]); // metrics.csv counts epochs from 1
            String v = col < rows.get(i).length ? rows.get(i)[col] : "";
            xy[1][i] = v.isEmpty() ? Double.NaN : Double.parseDouble(v);
        }
        return xy;
    }

    static double iou(int[] a, int[] b) {
        double ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1);
        double iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1);
        double inter = ix * iy;
        double union = (a[2] - a[0] + 1.0) * (a[3] - a[1] + 1) + (b[2] - b[0] + 1.0) * (b[3] - b[1] + 1) - inter;
        return union > 0 ? inter / union : 0;
    }

    private void img(byte[] png, String alt) {
        html.append("<img alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\">\n");
        images++;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
