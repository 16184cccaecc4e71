package org.rsna22.fracture;

import ai.djl.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.fracture.StudyPartitionTasklet.StudyWork;
import org.rsna22.io.dicom.DicomSource;

/** The per-study work of the fracture job's partitioned steps: study crops and embeddings. */
public final class FractureWork {

    private FractureWork() {
    }

    /**
     * studyCrops: each study's crop, decoded once from the DICOM files under {@code images} into the crop cache; a
     * cached crop of the same box, slice range and size is kept.
     */
    public static StudyWork crops(Path images, Subset subset, WorkLayout work, DicomSource dicom, FractureConfig c) {
        CropBuilder builder = new CropBuilder(images, dicom, c.cropSize(), c.cropMargin());
        return s -> {
            Path file = work.crop(subset, c.cropSize(), s.uid());
            if (!Files.isRegularFile(file)
                    || !builder.matches(StudyCrop.readHeader(file), s.box(), s.slnumFrom(), s.slnumTo(), s.sliceNumbers())) {
                builder.build(s.uid(), s.box(), s.slnumFrom(), s.slnumTo(), s.sliceNumbers()).write(file);
            }
        };
    }

    /**
     * embeddings: each study's image embeddings by every slice-fracture run that a study model uses (each fold's run
     * of the first configured seed, or the all-data one), kept when already there.
     */
    public static StudyWork embeddings(FractureModels models, FractureConfig c) {
        List<Integer> folds = c.sliceFracture().folds();
        List<RunFolder> runs = new ArrayList<>();
        for (int fold : folds) {
            runs.add(models.embeddingRun(fold));
        }
        CropStore crops = models.crops();
        return new StudyWork() {
            private final TrainedModels[] loaded = new TrainedModels[runs.size()];

            @Override
            public void process(FractureStudy s) throws IOException {
                if (!crops.has(s.uid())) {
                    return; // skipped by studyCrops, recorded there
                }
                for (int i = 0; i < runs.size(); i++) {
                    Path file = models.embeddingFile(folds.get(i), s.uid());
                    if (Files.isRegularFile(file) || c.studyReadsScores()
                            && folds.get(i) != models.embeddingFold(s.fold(), s.fold())) {
                        continue; // done, or (scores) by an M3 that trained on the study: no study model reads it
                    }
                    if (loaded[i] == null) {
                        loaded[i] = new TrainedModels(FractureModels.SLICE_FRACTURE, List.of(runs.get(i)),
                                () -> SequenceTask.network(c, FractureModels.SLICE_OUTPUTS));
                    }
                    Model m = loaded[i].models().get(0);
                    FracturePredictions.studyInputs(m, crops, crops.get(s.uid()), c).write(file);
                }
            }

            @Override
            public void close() {
                for (int i = 0; i < loaded.length; i++) {
                    if (loaded[i] != null) {
                        loaded[i].close();
                        loaded[i] = null;
                    }
                }
            }
        };
    }
}
