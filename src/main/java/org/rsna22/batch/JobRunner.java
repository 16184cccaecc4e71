package org.rsna22.batch;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rsna22.config.ConfigLoader;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.stereotype.Component;

/**
 * Launches a job by name from command-line parameters: checks them before anything starts, marks
 * executions left STARTED by a dead process on this host as failed, runs the job and reports the outcome.
 * Running a job again with the same data/work/config restarts its last failed execution.
 */
@Component
public class JobRunner {

    /** Parameters every job takes; all of them identify the job instance. */
    public static final List<String> PARAMETERS = List.of("data", "work", "config");

    private final Map<String, Job> jobs;
    private final JobOperator operator;
    private final JobRepository repository;

    public JobRunner(List<Job> jobs, JobOperator operator, JobRepository repository) {
        this.jobs = new LinkedHashMap<>();
        jobs.forEach(j -> this.jobs.put(j.getName(), j));
        this.operator = operator;
        this.repository = repository;
    }

    public Set<String> jobNames() {
        return jobs.keySet();
    }

    /** Validates and normalises key=value parameters; the message of the exception says what is wrong. */
    public JobParameters parameters(String jobName, Map<String, String> given) {
        if (!jobs.containsKey(jobName)) {
            throw new IllegalArgumentException("unknown job '" + jobName + "'; jobs: " + String.join(", ", jobs.keySet()));
        }
        for (String k : given.keySet()) {
            if (!PARAMETERS.contains(k)) {
                throw new IllegalArgumentException("unknown parameter '" + k + "' for job " + jobName
                        + "; parameters: data=DIR work=DIR config=NAME");
            }
        }
        String data = given.get("data");
        if (data == null) {
            throw new IllegalArgumentException("job " + jobName + " needs data=DIR (a dataset in the competition layout)");
        }
        Path dataPath = Path.of(data).toAbsolutePath().normalize();
        if (!Files.isDirectory(dataPath)) {
            throw new IllegalArgumentException("data folder " + dataPath + " does not exist");
        }
        Path work = Path.of(given.getOrDefault("work", "data/work")).toAbsolutePath().normalize();
        String config = given.getOrDefault("config", ConfigLoader.DEFAULT);
        ConfigLoader.load(config); // fail now on a missing or invalid config, not in the middle of the job
        return new JobParametersBuilder()
                .addString("data", dataPath.toString())
                .addString("work", work.toString())
                .addString("config", config)
                .toJobParameters();
    }

    /** Runs (or restarts) the job and waits for it; returns the execution. */
    public JobExecution run(String jobName, JobParameters params, PrintWriter out) throws Exception {
        recoverDeadExecutions(jobName, out);
        Job job = jobs.get(jobName);
        JobExecution last = repository.getLastJobExecution(jobName, params);
        if (last != null && last.getStatus() != BatchStatus.COMPLETED) {
            out.printf("restarting %s (execution %d ended %s)%n", jobName, last.getId(), last.getStatus());
        }
        try {
            return operator.start(job, params);
        } catch (JobInstanceAlreadyCompleteException e) {
            throw new IllegalStateException("job " + jobName + " already completed with these parameters "
                    + "(execution " + (last == null ? "?" : last.getId()) + "); its outputs are in "
                    + params.getString("work") + ". Use another work= folder to run it again.");
        }
    }

    /** Executions STARTED by a process of this host that no longer exists are marked FAILED. */
    public void recoverDeadExecutions(String jobName, PrintWriter out) {
        String host = JobOwnerListener.hostName();
        for (JobExecution e : repository.findRunningJobExecutions(jobName)) {
            String ownerHost = e.getExecutionContext().getString(JobOwnerListener.HOST, null);
            long pid = e.getExecutionContext().getLong(JobOwnerListener.PID, -1L);
            boolean dead = host.equals(ownerHost) && pid > 0 && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
            if (dead) {
                operator.recover(e);
                out.printf("execution %d of %s was left STARTED by process %d, which is gone: marked FAILED%n",
                        e.getId(), jobName, pid);
            }
        }
    }

    /** One line per step with its counts, for the end of a run. */
    public static List<String> summary(JobExecution e) {
        List<String> lines = new ArrayList<>();
        List<StepExecution> steps = new ArrayList<>(e.getStepExecutions());
        steps.sort(Comparator.comparing(StepExecution::getId));
        for (StepExecution s : steps) {
            if (s.getStepName().contains(":")) {
                continue; // partitions are summed in their manager step
            }
            lines.add(String.format("  %-20s %-9s read %d  written %d  skipped %d  %s", s.getStepName(), s.getStatus(),
                    s.getReadCount(), s.getWriteCount(), s.getSkipCount(), duration(s.getStartTime(), s.getEndTime())));
        }
        return lines;
    }

    static String duration(LocalDateTime start, LocalDateTime end) {
        if (start == null) {
            return "";
        }
        Duration d = Duration.between(start, end == null ? LocalDateTime.now() : end);
        return String.format("%d.%01ds", d.toSeconds(), d.toMillisPart() / 100);
    }
}
