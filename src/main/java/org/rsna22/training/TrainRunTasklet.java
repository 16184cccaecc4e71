package org.rsna22.training;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.SliceBoxes;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.model.SliceImageCache;
import org.rsna22.model.TripletSamples;
import org.rsna22.ops.JobProgressService;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Trains one (fold, seed) partition. Each call trains for a few seconds and returns, so that the step's
 * progress (batches done, epoch, loss) is committed to the job repository as it goes; checkpoints are taken
 * at epoch ends and a restarted partition resumes from the latest one.
 */
public class TrainRunTasklet implements Tasklet, StepExecutionListener {

    private static final long SLICE_MILLIS = 2000;
    private static final int CACHE_SLICES = 4096;

    private final CompetitionLayout data;
    private final Path work;
    private final String configName;
    private final int fold;
    private final int seed;
    private final DicomSource dicom;
    private final TrainingListener listener;
    private ModelTrainer trainer;

    public TrainRunTasklet(CompetitionLayout data, Path work, String configName, int fold, int seed, DicomSource dicom,
                           TrainingListener listener) {
        this.data = data;
        this.work = work;
        this.configName = configName;
        this.fold = fold;
        this.seed = seed;
        this.dicom = dicom;
        this.listener = listener;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        ExecutionContext ctx = chunkContext.getStepContext().getStepExecution().getExecutionContext();
        if (trainer == null) {
            trainer = open(ctx);
        }
        boolean done = trainer.trainFor(SLICE_MILLIS);
        ctx.putLong(JobProgressService.DONE, trainer.step());
        ctx.putInt(JobProgressService.DETAIL_PREFIX + "epoch", trainer.epoch());
        if (!trainer.history().isEmpty()) {
            EpochMetrics last = trainer.history().get(trainer.history().size() - 1);
            ctx.putDouble(JobProgressService.DETAIL_PREFIX + "train_loss", round(last.trainLoss()));
            if (!Double.isNaN(last.value("val_iou"))) {
                ctx.putDouble(JobProgressService.DETAIL_PREFIX + "val_iou", round(last.value("val_iou")));
            }
        }
        return done ? RepeatStatus.FINISHED : RepeatStatus.CONTINUABLE;
    }

    private ModelTrainer open(ExecutionContext ctx) throws Exception {
        ExperimentConfig config = ConfigLoader.load(configName);
        TrainRun run = TrainRun.of(work, config.name(), fold, seed);
        List<SliceBoxes> all = SliceBoxes.readBoxLabels(new WorkLayout(work).bboxLabels());
        List<SliceBoxes> trainStudies = BoxLocaliserTask.trainStudies(all, fold);
        List<SliceBoxes> valStudies = BoxLocaliserTask.validationStudies(all, fold);
        var c = config.bbox();
        SliceImageCache images = new SliceImageCache(data.trainImages(), dicom, c.imageSize(), c.windowLevel(), c.windowWidth(),
                CACHE_SLICES);
        TripletSamples train = new TripletSamples(trainStudies, images, c.mean(), c.std());
        TripletSamples val = new TripletSamples(valStudies, images, c.mean(), c.std());
        ModelTrainer t = new ModelTrainer(new BoxLocaliserTask(c, train, val), run, listener);
        t.open();
        AtomicFiles.write(run.folder().config(), ConfigLoader.toYaml(config).getBytes(StandardCharsets.UTF_8));
        ctx.putLong(JobProgressService.EXPECTED, t.totalSteps());
        ctx.putString(JobProgressService.UNIT, "batches");
        ctx.putLong(JobProgressService.DONE + ".atStart", t.step());
        return t;
    }

    private static double round(double v) {
        return Math.round(v * 1e5) / 1e5;
    }

    @Override
    public ExitStatus afterStep(StepExecution stepExecution) {
        if (trainer != null) {
            trainer.close();
            trainer = null;
        }
        return stepExecution.getExitStatus();
    }
}
