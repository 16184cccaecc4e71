package org.rsna22.fracture;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * The first word of infer-fracture on its models (run on every start, restarts included): which study models the
 * test set will be predicted with, and which are left out because their saved weights do not verify; each of those
 * gets a row in skipped.csv and a word in the summary. No usable model fails the job with the reasons.
 */
public class EnsembleTasklet implements Tasklet {

    public static final String STEP = "ensemble";

    private final WorkLayout work;
    private final ExperimentConfig experiment;

    public EnsembleTasklet(WorkLayout work, ExperimentConfig experiment) {
        this.work = work;
        this.experiment = experiment;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        TestSetPredictor.Ensemble ensemble = TestSetPredictor.ensemble(work, experiment);
        List<String> skips = new ArrayList<>();
        for (String reason : ensemble.leftOut()) {
            skips.add(SkipRecord.line(STEP, "", "", reason + "; left out of the ensemble"));
        }
        AtomicFiles.write(work.inferFractureParts().resolve(WorkLayout.partFileName(STEP, true)),
                (String.join("\n", skips) + "\n").getBytes(StandardCharsets.UTF_8));
        contribution.incrementProcessSkipCount(skips.size());
        String said = ensemble.size() + " study model" + (ensemble.size() == 1 ? "" : "s");
        if (!ensemble.leftOut().isEmpty()) {
            said += "; WARNING: " + ensemble.leftOut().size() + " left out (damaged: see " + work.skipped().getFileName()
                    + "): "
                    + String.join("; ", ensemble.leftOut().stream()
                    .map(this::shortPath).toList());
        }
        chunkContext.getStepContext().getStepExecution().setExitStatus(ExitStatus.COMPLETED.addExitDescription(said));
        return RepeatStatus.FINISHED;
    }

    /** The file a reason names first (it starts with the path), relative to the work folder. */
    private String shortPath(String reason) {
        int colon = reason.indexOf(": ");
        int space = reason.indexOf(' ');
        int end = colon < 0 ? space : space < 0 ? colon : Math.min(colon, space);
        String path = end < 0 ? reason : reason.substring(0, end);
        String root = work.root().toString() + "/";
        return path.startsWith(root) ? path.substring(root.length()) : path;
    }
}
