package org.rsna22.batch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.rsna22.io.IoErrors;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/**
 * The reason a job failed, in one line a user can act on: the innermost cause of the first failed step that says
 * more than Spring Batch's own wrappers ("Partition handler returned an unsuccessful step"), looking into the
 * partitions (in-process or remote: their exit descriptions are in the repository) and into a pipeline's stages.
 */
public final class FailureReason {

    /** Messages of Spring Batch's wrappers, which only say that something below failed. */
    private static final List<String> GENERIC = List.of("Partition handler returned an unsuccessful step",
            "Flow execution ended unexpectedly", "Step execution failed", "Job execution failed",
            "Encountered an error executing step");

    private FailureReason() {
    }

    /** Why {@code e} failed, in one line (a failed partition's reason starts with its name: "fold1-seed0: ..."). */
    public static String of(JobExecution e, JobRepository repository) {
        String found = search(e, repository, 0);
        if (found != null) {
            return found;
        }
        List<Throwable> failures = e.getAllFailureExceptions();
        return failures.isEmpty() ? firstLine(e.getExitStatus().getExitDescription())
                : IoErrors.rootMessage(failures.get(0));
    }

    private static String search(JobExecution e, JobRepository repository, int depth) {
        for (Throwable t : e.getFailureExceptions()) {
            String m = IoErrors.rootMessage(t);
            if (!generic(m)) {
                return m;
            }
        }
        JobExecution saved = repository.getJobExecution(e.getId());
        List<StepExecution> steps = new ArrayList<>(saved == null ? e.getStepExecutions() : saved.getStepExecutions());
        steps.sort(Comparator.comparing(StepExecution::getId));
        for (StepExecution s : steps) {
            if (s.getStatus() != BatchStatus.FAILED) {
                continue;
            }
            String job = PipelineJobConfiguration.jobOf(s.getStepName());
            if (depth == 0 && e.getJobInstance().getJobName().equals(JobRequest.PIPELINE) && job != null) {
                JobExecution stage = repository.getLastJobExecution(job, PipelineJobConfiguration.parametersOf(s));
                String inner = stage == null ? null : search(stage, repository, depth + 1);
                if (inner != null) {
                    return s.getStepName() + ": " + inner;
                }
            }
            int colon = s.getStepName().indexOf(':');
            String partition = colon < 0 ? "" : s.getStepName().substring(colon + 1) + ": ";
            for (Throwable t : s.getFailureExceptions()) {
                String m = IoErrors.rootMessage(t);
                if (!generic(m)) {
                    return partition + m;
                }
            }
            String m = rootOf(s.getExitStatus().getExitDescription());
            if (m != null && !generic(m)) {
                return partition + m;
            }
        }
        return null;
    }

    /** The innermost cause's message of a stack trace stored as an exit description. */
    static String rootOf(String description) {
        if (description == null || description.isBlank()) {
            return null;
        }
        String root = null;
        for (String line : description.split("\n")) {
            if (root == null && !line.startsWith("\t") && !line.isBlank()) {
                root = line;
            } else if (line.startsWith("Caused by: ")) {
                root = line.substring("Caused by: ".length());
            }
        }
        return root == null ? null : withoutClassName(root.trim());
    }

    /** "java.lang.IllegalStateException: why" → "why" (a bare class name stays). */
    private static String withoutClassName(String line) {
        int colon = line.indexOf(": ");
        if (colon > 0 && line.substring(0, colon).matches("[\\w.$]+(Exception|Error)")) {
            return line.substring(colon + 2);
        }
        return line;
    }

    private static boolean generic(String message) {
        return message == null || GENERIC.stream().anyMatch(message::startsWith);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
