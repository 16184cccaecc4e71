package org.rsna22.inference;

import java.util.List;
import java.util.Locale;
import org.rsna22.dataset.Csv;

/** The seed-averaged prediction for the triplet centred on one slice: p(has_box) and the box ÷ image size. */
public record SlicePrediction(String studyUid, int sliceNumber, double p, double x0, double y0, double x1, double y1,
                              int rows, int columns) {

    public static final String HEADER = "StudyInstanceUID,slice_number,p_has_box,x0,y0,x1,y1,rows,cols";

    public String csvLine() {
        return String.format(Locale.ROOT, "%s,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%d,%d", studyUid, sliceNumber, p, x0, y0, x1,
                y1, rows, columns);
    }

    static SlicePrediction parse(String line) {
        List<String> f = Csv.parse(line);
        return new SlicePrediction(f.get(0), Integer.parseInt(f.get(1)), Double.parseDouble(f.get(2)),
                Double.parseDouble(f.get(3)), Double.parseDouble(f.get(4)), Double.parseDouble(f.get(5)),
                Double.parseDouble(f.get(6)), Integer.parseInt(f.get(7)), Integer.parseInt(f.get(8)));
    }
}
