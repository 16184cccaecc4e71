package org.rsna22.training;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.rsna22.config.ConfigLoader;
import ai.djl.Device;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.WriteFence;
import org.rsna22.model.DevicePool;
import org.rsna22.ops.JobProgressService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Trains one (fold, seed) partition of any model. Each call trains for a few seconds and returns, so that the step's
 * progress (batches done, epoch, loss, validation metrics) is committed to the job repository as it goes;
 * checkpoints are taken at epoch ends and a restarted partition resumes from the latest one.
 */
public class TrainRunTasklet implements Tasklet, StepExecutionListener {

    /**
     * Makes the run's task when the partition starts (its samples are read then, not when the job is wired), for the
     * device the run took.
     */
    @FunctionalInterface
    public interface TaskOpener {
        TrainingTask open(Device device) throws Exception;
    }

    private static final long SLICE_MILLIS = 2000;
    private static final Logger LOG = LoggerFactory.getLogger(TrainRunTasklet.class);
    /** The progress detail naming a partition's device. */
    public static final String DEVICE = "device";

    private final TrainRun run;
    private final TaskOpener opener;
    private final ExperimentConfig config;
    private final TrainingListener listener;
    private final DevicePool devices;
    private ModelTrainer trainer;
    private TrainingTask task;
    private DevicePool.Lease device;

    /** @param devices the pool the run takes its device from, for its whole run */
    public TrainRunTasklet(TrainRun run, TaskOpener opener, ExperimentConfig config, TrainingListener listener,
                           DevicePool devices) {
        this.run = run;
        this.opener = opener;
        this.config = config;
        this.listener = listener;
        this.devices = devices;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        ExecutionContext ctx = chunkContext.getStepContext().getStepExecution().getExecutionContext();
        WriteFence.check(); // a run given up by the manager trains no further
        if (trainer == null) {
            trainer = open(ctx);
        }
        boolean done = trainer.trainFor(SLICE_MILLIS);
        if (done) {
            recordSkips(contribution);
        }
        ctx.putLong(JobProgressService.DONE, trainer.step());
        ctx.putInt(JobProgressService.DETAIL_PREFIX + "epoch", trainer.epoch());
        if (!trainer.history().isEmpty()) {
            EpochMetrics last = trainer.history().get(trainer.history().size() - 1);
            ctx.putDouble(JobProgressService.DETAIL_PREFIX + "train_loss", round(last.trainLoss()));
            for (int i = 0; i < last.names().size(); i++) {
                if (!Double.isNaN(last.values()[i])) {
                    ctx.putDouble(JobProgressService.DETAIL_PREFIX + last.names().get(i), round(last.values()[i]));
                }
            }
        }
        return done ? RepeatStatus.FINISHED : RepeatStatus.CONTINUABLE;
    }

    /**
     * Writes what the run could not use to its folder's skipped.csv (the run's name before each reason) and counts it
     * as this partition's skips; the job's merge puts the rows into the work folder's skipped.csv.
     */
    private void recordSkips(StepContribution contribution) throws IOException {
        List<SkipRecord> skipped = task.skipped();
        if (skipped.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(SkipRecord.HEADER);
        for (SkipRecord r : skipped) {
            lines.add(new SkipRecord(r.step(), r.studyUid(), r.slice(), run.name() + ": " + r.reason()).csvLine());
        }
        AtomicFiles.write(run.folder().skipped(), (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        contribution.incrementProcessSkipCount(skipped.size());
    }

    private ModelTrainer open(ExecutionContext ctx) throws Exception {
        device = devices.acquire();
        ctx.putString(JobProgressService.DETAIL_PREFIX + DEVICE, device.name());
        LOG.info("{} {} runs on {}", run.experiment(), run.name(), device.name());
        task = opener.open(device.device());
        ModelTrainer t = new ModelTrainer(task, run, listener, device.device());
        t.open();
        if (t.step() == 0) {
            Files.deleteIfExists(run.folder().skipped()); // an earlier run's, from before training started over
        }
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
        if (device != null) { // ended, failed or stopped: the device goes back to the pool
            device.close();
            device = null;
        }
        return stepExecution.getExitStatus();
    }
}
