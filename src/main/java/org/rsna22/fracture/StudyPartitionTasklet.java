package org.rsna22.fracture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.IoErrors;
import org.rsna22.ops.JobProgressService;
import org.rsna22.ops.PartitionRanges;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * One partition (studies-NNNN) of a per-study step of the fracture job: each call does one study and commits, so a
 * restarted partition goes on from the next study and progress shows study by study. A study whose files fail is
 * skipped: its reason goes to the partition's skip file (merged into skipped.csv at the end of the job).
 */
public class StudyPartitionTasklet implements Tasklet, StepExecutionListener {

    /** The work on one study; an IOException skips the study with its message as the reason. */
    public interface StudyWork {
        void process(FractureStudy study) throws IOException;

        /** Releases what the work held (loaded models, its device) when the partition ends. */
        default void close() {
        }

        /** The device the work runs its network on, once it has one (null: none). */
        default String device() {
            return null;
        }
    }

    static final String NEXT = "next";

    private final String step;
    private final List<FractureStudy> studies;
    private final StudyWork work;
    private final Path skipFile;

    /** @param partDir the step's part folder; partition the partition's name (studies-0003) */
    public StudyPartitionTasklet(String step, List<FractureStudy> studies, StudyWork work, Path partDir, String partition) {
        this.step = step;
        this.studies = studies;
        this.work = work;
        this.skipFile = partDir.resolve(WorkLayout.partFileName(partition, true));
    }

    /** The studies of a partition made by {@link PartitionRanges}. */
    public static List<FractureStudy> of(List<FractureStudy> all, int first, int count) {
        return all.subList(first, first + count);
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        ExecutionContext ctx = chunkContext.getStepContext().getStepExecution().getExecutionContext();
        int next = ctx.getInt(NEXT, 0);
        if (next < studies.size()) {
            FractureStudy s = studies.get(next);
            try {
                work.process(s);
                contribution.incrementWriteCount(1);
            } catch (IOException e) {
                recordSkip(s.uid(), IoErrors.describe(e));
                contribution.incrementProcessSkipCount();
            }
            next++;
            if (work.device() != null) {
                ctx.putString(JobProgressService.DETAIL_PREFIX + "device", work.device());
            }
            ctx.putInt(NEXT, next);
            ctx.putLong(JobProgressService.DONE, next);
        }
        return next < studies.size() ? RepeatStatus.CONTINUABLE : RepeatStatus.FINISHED;
    }

    @Override
    public ExitStatus afterStep(StepExecution stepExecution) {
        work.close();
        return stepExecution.getExitStatus();
    }

    private void recordSkip(String uid, String reason) throws IOException {
        List<String> lines = Files.exists(skipFile) ? new ArrayList<>(Files.readAllLines(skipFile)) : new ArrayList<>();
        lines.add(SkipRecord.line(step, uid, "", reason));
        AtomicFiles.write(skipFile, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
