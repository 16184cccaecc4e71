package org.rsna22.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.rsna22.dataset.Csv;

/** Predicted study boxes against the generator's truth: mean IoU and mean slice-range error. */
public record DemoEvaluation(int studies, double meanIou, double meanRangeError) {

    public static DemoEvaluation of(Path truthCsv, Path predictedCsvGz) throws IOException {
        Map<String, int[]> truth = new HashMap<>();
        List<String> lines = Files.readAllLines(truthCsv);
        for (String l : lines.subList(1, lines.size())) {
            List<String> f = Csv.parse(l);
            truth.put(f.get(0), f.subList(1, 7).stream().mapToInt(Integer::parseInt).toArray());
        }
        double iou = 0;
        double range = 0;
        int n = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(predictedCsvGz)), StandardCharsets.UTF_8))) {
            r.readLine();
            String l;
            while ((l = r.readLine()) != null) {
                List<String> f = Csv.parse(l);
                int[] t = truth.get(f.get(0));
                if (t == null) {
                    continue;
                }
                int[] p = f.subList(1, 7).stream().mapToInt(Integer::parseInt).toArray();
                iou += iou(p, t);
                range += (Math.abs(p[4] - t[4]) + Math.abs(p[5] - t[5])) / 2.0;
                n++;
            }
        }
        return new DemoEvaluation(n, n == 0 ? Double.NaN : iou / n, n == 0 ? Double.NaN : range / n);
    }

    /** IoU of two inclusive pixel boxes x0, y0, x1, y1. */
    static double iou(int[] a, int[] b) {
        double ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1);
        double iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1);
        double inter = ix * iy;
        double union = (a[2] - a[0] + 1.0) * (a[3] - a[1] + 1) + (b[2] - b[0] + 1.0) * (b[3] - b[1] + 1) - inter;
        return inter / union;
    }
}
