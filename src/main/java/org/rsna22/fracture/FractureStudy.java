package org.rsna22.fracture;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rsna22.dataset.CompetitionMetric;
import org.rsna22.dataset.CsvFiles;
import org.rsna22.dataset.SliceBoxes;
import org.rsna22.dataset.StudyItem;
import org.rsna22.dataset.TrainLabelsCsv;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;

/**
 * A study as the fracture stage sees it: its fold, labels (TARGETS order), predicted study box and slice range
 * ((train|test)_bbox_pred_v02) and every slice number it has. A test study has fold -1 and no labels.
 */
public record FractureStudy(String uid, int fold, int[] labels, int[] box, int slnumFrom, int slnumTo,
                            int[] sliceNumbers) implements StudyItem {

    @Override
    public String studyUid() {
        return uid;
    }

    /** A whole study: no slice number. */
    @Override
    public String sliceLabel() {
        return "";
    }

    /**
     * The studies of a test set with a predicted box (test_bbox_pred_v02.csv.gz), in its order, with the slice
     * numbers of their files under {@code testImages}.
     */
    public static List<FractureStudy> readTest(WorkLayout work, Path testImages) throws IOException {
        Map<String, int[]> slices = new HashMap<>();
        for (SliceBoxes s : SliceBoxes.listStudies(testImages)) {
            slices.put(s.studyUid(), s.sliceNumbers());
        }
        List<FractureStudy> out = new ArrayList<>();
        for (List<String> f : CsvFiles.readGz(work.bboxPred(Subset.TEST))) {
            int[] numbers = slices.get(f.get(0));
            if (numbers == null) {
                throw new IOException(work.bboxPred(Subset.TEST) + " lists study " + f.get(0) + ", which is not under "
                        + testImages + "; run infer-bbox again with this test set and work folder");
            }
            out.add(new FractureStudy(f.get(0), -1, null, box(f), Integer.parseInt(f.get(5)),
                    Integer.parseInt(f.get(6)), numbers));
        }
        return out;
    }

    private static int[] box(List<String> f) {
        return new int[] {Integer.parseInt(f.get(1)), Integer.parseInt(f.get(2)), Integer.parseInt(f.get(3)),
            Integer.parseInt(f.get(4))};
    }

    /** The studies with a predicted box, in the order of train_bbox_pred_v02.csv.gz. */
    public static List<FractureStudy> readAll(WorkLayout work) throws IOException {
        Map<String, int[]> labels = new HashMap<>();
        Map<String, Integer> folds = new HashMap<>();
        for (TrainLabelsCsv.Row r : TrainLabelsCsv.read(work.folds(), (uid, reason) -> { })) {
            labels.put(r.labels().studyUid(), CompetitionMetric.targets(r.labels()));
            folds.put(r.labels().studyUid(), r.fold());
        }
        Map<String, int[]> slices = new HashMap<>();
        for (SliceBoxes s : SliceBoxes.readAllSlices(work.allSlices())) {
            slices.put(s.studyUid(), s.sliceNumbers());
        }
        List<FractureStudy> out = new ArrayList<>();
        for (List<String> f : CsvFiles.readGz(work.bboxPred(Subset.TRAIN))) {
            String uid = f.get(0);
            if (!labels.containsKey(uid) || !slices.containsKey(uid)) {
                throw new IOException(work.bboxPred(Subset.TRAIN) + " lists study " + uid + ", which prepare did not "
                        + "admit; run prepare and infer-bbox again on the same work folder");
            }
            out.add(new FractureStudy(uid, folds.get(uid), labels.get(uid), box(f), Integer.parseInt(f.get(5)),
                    Integer.parseInt(f.get(6)), slices.get(uid)));
        }
        return out;
    }
}
