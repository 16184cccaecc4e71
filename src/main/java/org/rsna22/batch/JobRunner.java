package org.rsna22.batch;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rsna22.config.ConfigLoader;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.FolderLock;
import org.rsna22.labels.PartsMergeTasklet;
import org.rsna22.model.DevicePool;
import org.rsna22.model.TorchScriptBackbone;
import org.rsna22.ops.JobProgressService;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobExecutionAlreadyRunningException;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.launch.JobRestartException;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Launches a job by name from command-line parameters: checks them before anything starts, marks
 * executions left STARTED by a dead process on this host as failed, runs the job and reports the outcome.
 * Running a job again with the same data/work/config restarts its last failed execution.
 */
@Component
public class JobRunner {

    private final Map<String, Job> jobs;
    private final JobOperator operator;
    private final JobRepository repository;

    private final DeadExecutionRecovery recovery;
    private final String configChanged;
    private final WorkFolderConfig workFolderConfig;
    private final DevicePool devices;
    /** The jobs whose partitions run networks: their devices are counted (and a build that cannot use them said so)
     *  before they start. */
    private static final Set<String> NETWORK_JOBS = Set.of("train-bbox", "infer-bbox", "train-fracture",
            "infer-fracture", JobRequest.PIPELINE);
    /** rsna22.config-changed=retrain: the runs a changed config makes stale are trained again. */
    static final String RETRAIN = "retrain";

    public JobRunner(List<Job> jobs, JobOperator operator, JobRepository repository, DeadExecutionRecovery recovery,
                     @Value("${rsna22.config-changed:refuse}") String configChanged, DevicePool devices) {
        this.devices = devices;
        this.recovery = recovery;
        if (!List.of("refuse", "accept", RETRAIN).contains(configChanged)) {
            throw new IllegalArgumentException("rsna22.config-changed must be refuse, accept or retrain, not "
                    + configChanged);
        }
        this.configChanged = configChanged;
        this.workFolderConfig = new WorkFolderConfig(repository);
        this.jobs = new LinkedHashMap<>();
        jobs.forEach(j -> this.jobs.put(j.getName(), j));
        if (!this.jobs.keySet().equals(Set.copyOf(JobRequest.JOBS))) {
            throw new IllegalStateException("JobRequest.JOBS " + JobRequest.JOBS + " differs from the job beans "
                    + this.jobs.keySet());
        }
        this.operator = operator;
        this.repository = repository;
    }

    /** Validates and normalises key=value parameters; the message of the exception says what is wrong. */
    public JobParameters parameters(String jobName, Map<String, String> given) {
        return JobRequest.of(jobName, given).parameters();
    }

    /**
     * Restarts the most recent FAILED or STOPPED execution of a job, after marking dead-owner executions
     * FAILED. Throws IllegalArgumentException when there is nothing to restart.
     */
    public JobExecution restartLatest(String jobName, PrintWriter out) {
        return restartLatest(jobName, out, false);
    }

    /**
     * @param recoverUnknown an execution that ended UNKNOWN (its end could not be recorded, e.g. on a full disk)
     *                       is marked FAILED, with its UNKNOWN steps, and restarted; without it, such an execution
     *                       is reported with the way on
     */
    public JobExecution restartLatest(String jobName, PrintWriter out, boolean recoverUnknown) {
        JobRequest.executionsOf(jobName).forEach(j -> recovery.recover(j, out));
        for (JobInstance instance : repository.getJobInstances(jobName, 0, 100)) {
            JobExecution last = repository.getLastJobExecution(instance);
            if (last == null) {
                continue;
            }
            if (last.getStatus() == BatchStatus.UNKNOWN || last.getStepExecutions().stream()
                    .anyMatch(st -> st.getStatus() == BatchStatus.UNKNOWN)) {
                if (!recoverUnknown) {
                    throw new IllegalStateException(unknownAdvice(jobName, last));
                }
                markUnknownFailed(last, out);
            }
            BatchStatus s = last.getStatus();
            if (s == BatchStatus.FAILED || s == BatchStatus.STOPPED) {
                JobRequest request = JobRequest.of(jobName, JobRequest.of(jobName, last.getJobParameters()).given());
                out.printf("restarting %s execution %d (%s): data=%s work=%s config=%s%s%n", jobName, last.getId(), s,
                        request.data(), request.work(), request.config(),
                        request.test() == null ? "" : " test=" + request.test());
                out.flush();
                return run(jobName, request.parameters(), out, true);
            }
            if (s.isRunning()) {
                throw new IllegalStateException("execution " + last.getId() + " of " + jobName + " is running (owner "
                        + last.getExecutionContext().getString(JobOwnerListener.HOST, "?") + " pid "
                        + last.getExecutionContext().getLong(JobOwnerListener.PID, -1L) + "); wait for it or stop it");
            }
        }
        throw new IllegalArgumentException("no FAILED or STOPPED execution of " + jobName + " to restart"
                + " (see: status " + jobName + ")");
    }

    static String unknownAdvice(String jobName, JobExecution last) {
        return "execution " + last.getId() + " of " + jobName + " ended UNKNOWN: its last state could not be "
                + "recorded (a full disk, a lost database connection), so Spring Batch will not restart it as it is. "
                + "Free the space or fix the connection, then: restart " + jobName + " --recover-unknown (it marks the "
                + "execution and its UNKNOWN steps FAILED and continues after the steps that completed)";
    }

    /** Marks an UNKNOWN execution and its UNKNOWN steps FAILED, so that a restart redoes those steps. */
    private void markUnknownFailed(JobExecution last, PrintWriter out) {
        int steps = 0;
        for (StepExecution st : last.getStepExecutions()) {
            // UNKNOWN steps, and steps whose end was never recorded (left STARTED by the same failed update)
            if (st.getStatus() == BatchStatus.UNKNOWN || st.getStatus().isRunning()) {
                st.setStatus(BatchStatus.FAILED);
                st.setExitStatus(ExitStatus.FAILED.addExitDescription("was UNKNOWN; recovered by restart --recover-unknown"));
                if (st.getEndTime() == null) {
                    st.setEndTime(LocalDateTime.now());
                }
                repository.update(st);
                steps++;
            }
        }
        last.setStatus(BatchStatus.FAILED);
        last.setExitStatus(ExitStatus.FAILED.addExitDescription("was UNKNOWN; recovered by restart --recover-unknown"));
        if (last.getEndTime() == null) {
            last.setEndTime(LocalDateTime.now());
        }
        repository.update(last);
        out.printf("execution %d of %s ended UNKNOWN: marked FAILED with %d UNKNOWN steps%n", last.getId(),
                last.getJobInstance().getJobName(), steps);
        out.flush();
    }

    /** Runs (or restarts) the job and waits for it; returns the execution. */
    public JobExecution run(String jobName, JobParameters params, PrintWriter out) {
        return run(jobName, params, out, false);
    }

    /**
     * @param restartCommand {@code restart JOB}: an unfinished execution continues with the config it started with
     *                       even when the file changed since; {@code run} refuses then, unless
     *                       {@code rsna22.config-changed=accept}
     */
    private JobExecution run(String jobName, JobParameters params, PrintWriter out, boolean restartCommand) {
        JobRequest.executionsOf(jobName).forEach(j -> recovery.recover(j, out));
        if (NETWORK_JOBS.contains(jobName)) {
            devices.size(); // a CUDA build without a usable GPU stops here, in one line, before any work
        }
        Job job = jobs.get(jobName);
        JobExecution last = repository.getLastJobExecution(jobName, params);
        String config = params.getString("config");
        ConfigLoader.Pin pin = null;
        if (last != null && (last.getStatus() == BatchStatus.UNKNOWN || last.getStepExecutions().stream()
                .anyMatch(st -> st.getStatus() == BatchStatus.UNKNOWN))) {
            throw new IllegalStateException(unknownAdvice(jobName, last));
        }
        if (last != null && last.getStatus() != BatchStatus.COMPLETED) {
            out.printf("restarting %s (execution %d ended %s)%n", jobName, last.getId(), last.getStatus());
            pin = keepConfig(last, config, restartCommand, out);
        }
        if (pin == null) {
            // every stage of a pipeline, every partition of a step, reads the config as it is now: an edit of the file
            // while the job runs reaches the next run, not the rest of this one
            pin = ConfigLoader.pinCurrent(config);
        }
        try (FolderLock lock = FolderLock.acquire(WorkLayout.of(params.getString("work")).lock(), jobName)) {
            if (last != null && last.getStatus() == BatchStatus.FAILED && jobName.equals(PrepareJobConfiguration.JOB)) {
                try {
                    PartsMergeTasklet.reopenBeforeRestart(repository, last, WorkLayout.of(params.getString("work")));
                } catch (IOException e) {
                    throw new IllegalStateException("cannot prepare the restart of prepare: " + e.getMessage(), e);
                }
            }
            checkBackbones(jobName, config); // before the work folder records anything of this run
            workFolderConfig.check(jobName, params, configChanged.equals(RETRAIN), out);
            return operator.start(job, params);
        } catch (IOException e) {
            throw new IllegalStateException("cannot lock the work folder " + params.getString("work") + ": "
                    + e.getMessage(), e);
        } catch (JobInstanceAlreadyCompleteException e) {
            throw new IllegalStateException("job " + jobName + " already completed with these parameters "
                    + "(execution " + (last == null ? "?" : last.getId()) + "); its outputs are in "
                    + params.getString("work") + ". Use another work= folder to run it again.");
        } catch (JobExecutionAlreadyRunningException e) {
            throw new IllegalStateException("job " + jobName + " with these parameters is already running (execution "
                    + (last == null ? "?" : last.getId()) + "); see: status " + jobName);
        } catch (JobRestartException | InvalidJobParametersException e) {
            throw new IllegalStateException("job " + jobName + " cannot be restarted: " + e.getMessage(), e);
        } finally {
            pin.close();
        }
    }

    /**
     * A stored config as today's version resolves it: an option added since with its default, one removed since
     * without the value that today's behaviour is (the text as stored when it no longer loads).
     */
    private static String resolvedToday(String stored, String config) {
        try {
            return ConfigLoader.toYaml(ConfigLoader.fromStored(stored, config, "the stored config"));
        } catch (IllegalArgumentException e) {
            return stored;
        }
    }

    /** A TorchScript backbone file that the job's models would load and that does not fit stops it here, in one line. */
    private static void checkBackbones(String jobName, String config) {
        boolean pipeline = jobName.equals(JobRequest.PIPELINE);
        boolean bbox = pipeline || jobName.equals("train-bbox") || jobName.equals("infer-bbox");
        boolean fracture = pipeline || jobName.equals("train-fracture") || jobName.equals("infer-fracture");
        if (!bbox && !fracture) {
            return;
        }
        try {
            TorchScriptBackbone.checkConfigured(ConfigLoader.load(config), bbox, fracture);
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Compares the config an unfinished execution started with (stored in its context) with what the name gives now;
     * when they differ, a restart command pins the stored one, {@code rsna22.config-changed=accept} goes on with the
     * new one, and otherwise the run is refused. Returns the pin of the stored config, or null.
     */
    private ConfigLoader.Pin keepConfig(JobExecution last, String config, boolean restartCommand, PrintWriter out) {
        String stored = last.getExecutionContext().getString(JobOwnerListener.CONFIG, null);
        if (stored == null) {
            return null; // started before configs were stored
        }
        String now;
        try {
            now = ConfigLoader.toYaml(ConfigLoader.load(config));
        } catch (IllegalArgumentException e) {
            now = "(" + e.getMessage() + ")";
        }
        if (ConfigLoader.fingerprint(now).equals(ConfigLoader.fingerprint(resolvedToday(stored, config)))) {
            return null;
        }
        if (restartCommand) {
            ConfigLoader.Pin pin = ConfigLoader.pin(config, stored);
            out.printf("config %s changed since execution %d started: continuing with the config it started with "
                    + "(stored in the job repository)%n", config, last.getId());
            out.flush();
            return pin;
        }
        if (configChanged.equals("accept") || configChanged.equals(RETRAIN)) {
            out.printf("config %s changed since execution %d started: continuing with the changed config, as "
                    + "rsna22.config-changed=accept says%n", config, last.getId());
            out.flush();
            return null;
        }
        throw new IllegalStateException("config " + config + " changed since execution " + last.getId() + " of "
                + last.getJobInstance().getJobName() + " started, whose checkpoints and outputs follow the old settings. "
                + "`restart " + last.getJobInstance().getJobName() + "` continues with the config it started with; "
                + "--rsna22.config-changed=accept continues with the changed one; another work= starts afresh");
    }

    /**
     * One line per step with its counts, for the end of a run, and what a step said of itself (throughput, where its
     * output is). A pipeline's stages are shown with the steps of the job each ran.
     */
    public List<String> summary(JobExecution e) {
        List<String> lines = new ArrayList<>();
        if (e.getStatus() == BatchStatus.FAILED) {
            lines.add(e.getJobInstance().getJobName() + " FAILED: " + failureReason(e));
        }
        for (StepExecution s : steps(e)) {
            JobExecution stage = stageOf(e, s);
            if (stage == null) {
                lines.add(line("  ", s));
                lines.addAll(failedPartitions(e, s));
            } else {
                lines.add(String.format("  %-22s %-9s %s", s.getStepName(), s.getStatus(),
                        duration(s.getStartTime(), s.getEndTime())));
                steps(stage).forEach(c -> lines.add(line("    ", c)));
            }
        }
        return lines;
    }

    /** Why an execution failed, in one line: the innermost cause of the step that failed first. */
    public String failureReason(JobExecution e) {
        return FailureReason.of(e, repository);
    }

    /**
     * For a failed partitioned step, its failed partitions with their reasons as recorded in the repository (a
     * remote worker or the manager wrote them there; the step's own failure only says that partitions failed).
     */
    private List<String> failedPartitions(JobExecution e, StepExecution manager) {
        List<String> lines = new ArrayList<>();
        if (manager.getStatus() != BatchStatus.FAILED) {
            return lines;
        }
        int shown = 0;
        int more = 0;
        for (StepExecution p : e.getStepExecutions()) {
            int colon = p.getStepName().indexOf(':');
            if (colon < 0 || !JobProgressService.managerOf(p.getStepName()).equals(manager.getStepName())) {
                continue;
            }
            StepExecution saved = repository.getStepExecution(p.getId());
            if (saved == null || saved.getStatus() != BatchStatus.FAILED) {
                continue;
            }
            if (shown == 3) {
                more++;
                continue;
            }
            String why = saved.getExitStatus().getExitDescription().lines().findFirst().orElse("");
            lines.add("    " + p.getStepName().substring(colon + 1) + " FAILED: "
                    + (why.length() > 240 ? why.substring(0, 240) + "..." : why));
            shown++;
        }
        if (more > 0) {
            lines.add("    ... and " + more + " more failed partitions (status " + e.getJobInstance().getJobName() + ")");
        }
        return lines;
    }

    private static List<StepExecution> steps(JobExecution e) {
        List<StepExecution> steps = new ArrayList<>();
        for (StepExecution s : e.getStepExecutions()) {
            if (!s.getStepName().contains(":")) { // partitions are summed in their manager step
                steps.add(s);
            }
        }
        steps.sort(Comparator.comparing(StepExecution::getId));
        return steps;
    }

    private static String line(String indent, StepExecution s) {
        String said = s.getExitStatus().getExitDescription();
        return String.format("%s%-20s %-9s read %d  written %d  skipped %d  %s%s", indent, s.getStepName(),
                s.getStatus(), s.getReadCount(), s.getWriteCount(), s.getSkipCount(),
                duration(s.getStartTime(), s.getEndTime()),
                s.getStatus() == BatchStatus.COMPLETED && !said.isBlank() && said.length() < 200 ? "  (" + said + ")" : "");
    }

    /** The job execution that a pipeline stage ran, or null when the step is not a stage. */
    private JobExecution stageOf(JobExecution pipeline, StepExecution s) {
        if (!pipeline.getJobInstance().getJobName().equals(JobRequest.PIPELINE)) {
            return null;
        }
        String job = PipelineJobConfiguration.jobOf(s.getStepName());
        if (job == null) {
            return null;
        }
        return repository.getLastJobExecution(job, PipelineJobConfiguration.parametersOf(s));
    }

    static String duration(LocalDateTime start, LocalDateTime end) {
        if (start == null) {
            return "";
        }
        Duration d = Duration.between(start, end == null ? LocalDateTime.now() : end);
        return String.format("%d.%01ds", d.toSeconds(), d.toMillisPart() / 100);
    }
}
