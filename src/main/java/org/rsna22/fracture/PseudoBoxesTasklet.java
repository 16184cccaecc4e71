package org.rsna22.fracture;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.CsvFiles;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.model.DevicePool;
import org.rsna22.ops.JobProgressService;
import org.rsna22.training.TrainRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * work/pseudo_boxes_round&lt;r&gt;.csv.gz (self-training round r of {@code fracture.pseudo_box_rounds}): for every
 * fold of M3, the crack slices that the fold's crack finder of the round (seeds averaged, every symmetry of
 * {@code test_time_turns}) locates in the unboxed fractured studies it trained on ({@link PseudoBoxes#locate}). The
 * models of a fold in the next round read only its own rows: the studies of its validation fold are never located, so
 * its out-of-fold score stays honest. Written whole, by atomic rename, every time the step runs; with fewer rounds
 * configured it writes nothing, and with no unboxed fractured study an empty table.
 */
public class PseudoBoxesTasklet implements Tasklet {

    private static final Logger LOG = LoggerFactory.getLogger(PseudoBoxesTasklet.class);

    private final WorkLayout work;
    private final FractureModels models;
    private final FractureConfig config;
    private final int round;

    public PseudoBoxesTasklet(WorkLayout work, FractureModels models, FractureConfig config, int round) {
        this.work = work;
        this.models = models;
        this.config = config;
        this.round = round;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        if (config.pseudoBoxRounds() < round) {
            return RepeatStatus.FINISHED;
        }
        List<FractureStudy> studies = FractureStudy.readAll(work);
        Set<String> unlocated = models.unlocated(studies);
        CropStore crops = models.crops();
        Map<String, Map<Integer, float[]>> targets = unlocated.isEmpty() ? Map.of() : models.pseudoTargets();
        List<Integer> folds = config.sliceFracture().folds();
        ExecutionContext progress = chunkContext.getStepContext().getStepExecution().getExecutionContext();
        long expected = 0;
        for (int fold : folds) {
            expected += studies.stream().filter(s -> unlocated.contains(s.uid()) && TrainRun.trainsOn(fold, s.fold()))
                    .count();
        }
        progress.putLong(JobProgressService.EXPECTED, expected);
        progress.putString(JobProgressService.UNIT, "studies");
        long[] done = {0};
        int[] located = {0, 0};
        try (DevicePool.Lease device = FractureWork.acquire(models.devices());
             TrainedModels.ByFold finders = new TrainedModels.ByFold(models, FractureModels.crackFinder(round),
                     () -> SequenceTask.network(config, FractureModels.crackFinder(round), device.device()),
                     device.device())) {
            CsvFiles.writeGz(work.pseudoBoxes(round), PseudoBoxes.HEADER, sink -> {
                for (int fold : folds) {
                    for (FractureStudy s : studies) {
                        if (!unlocated.contains(s.uid()) || !TrainRun.trainsOn(fold, s.fold()) || !crops.has(s.uid())) {
                            continue;
                        }
                        StudyCrop crop = crops.get(s.uid());
                        Map<Integer, Float> found = PseudoBoxes.locate(crop.sliceNumbers(),
                                scores(finders.of(fold), crops, crop), targets.getOrDefault(s.uid(), Map.of()),
                                s.labels());
                        located[found == null ? 1 : 0]++;
                        if (found != null) {
                            for (Map.Entry<Integer, Float> e : found.entrySet()) {
                                sink.row(String.format(Locale.ROOT, "%d,%s,%d,%.4f", fold, s.uid(), e.getKey(),
                                        e.getValue()));
                            }
                        }
                        contribution.incrementWriteCount(1);
                        progress.putLong(JobProgressService.DONE, ++done[0]);
                    }
                }
            });
        }
        LOG.info("pseudo boxes of round {}: {} unboxed fractured studies located over {} folds, {} left to their bags "
                + "(a fractured vertebra that M2 gives no slice)", round, located[0], folds.size(), located[1]);
        return RepeatStatus.FINISHED;
    }

    /** The crack finder's score of every slice of a crop (its images at shifts -1, 0 and 1). */
    private float[] scores(List<ai.djl.Model> finders, CropStore crops, StudyCrop crop) {
        int outputs = SequenceTask.scoresPerImage(config);
        float[][] byShift = new float[3][];
        for (int shift = -1; shift <= 1; shift++) {
            byShift[shift + 1] = FracturePredictions.headScores(finders, crops, crop, config.imagesPerWindow(),
                    outputs, shift, config.testTimeTurns());
        }
        return PseudoBoxes.perSlice(byShift, crop.slices());
    }
}
