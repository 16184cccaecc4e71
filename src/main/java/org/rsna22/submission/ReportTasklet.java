package org.rsna22.submission;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/** The report job's one step: work/report/index.html and the study animations. */
public class ReportTasklet implements Tasklet {

    private final ReportWriter writer;
    private final String where;

    public ReportTasklet(ReportWriter writer, String where) {
        this.writer = writer;
        this.where = where;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        int pictures = writer.write();
        contribution.incrementWriteCount(pictures);
        chunkContext.getStepContext().getStepExecution().setExitStatus(
                ExitStatus.COMPLETED.addExitDescription("report with " + pictures + " pictures: " + where));
        return RepeatStatus.FINISHED;
    }
}
