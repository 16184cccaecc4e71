package org.rsna22.ops;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.stereotype.Service;

/**
 * Where executions stand, read from the job repository (so it works for another process's job too):
 * job → steps → partitions with items done and expected, rate, ETA and step-specific details.
 * A partitioned step's progress spans all executions of its job instance, so a restart shows the
 * partitions finished before it as done.
 */
@Service
public class JobProgressService {

    /** Context keys a partitioner sets for progress: how many items a partition has, and their unit. */
    public static final String EXPECTED = "progress.expected";
    public static final String UNIT = "progress.unit";
    /** Set by steps that count their own progress (training: batches done). */
    public static final String DONE = "progress.done";
    /** Context keys with this prefix are shown as details (training: epoch, loss, ...). */
    public static final String DETAIL_PREFIX = "progress.detail.";
    /** The process that runs an execution (job) or a partition (remote worker): its host and pid. */
    public static final String OWNER_HOST = "owner.host";
    public static final String OWNER_PID = "owner.pid";

    private final JobRepository repository;

    public JobProgressService(JobRepository repository) {
        this.repository = repository;
    }

    /**
     * Progress of one step (or partition). expected is -1 when unknown; rate in items/s; eta in seconds or null;
     * worker is pid@host of the worker process that ran a remote partition, else null.
     */
    public record StepProgress(String name, String status, long done, long expected, String unit, long skipped,
                               double rate, Long etaSeconds, double seconds, Map<String, Object> details,
                               List<StepProgress> partitions, String worker) {

        /** The rate for people: "5,120/s", "2.4/s", or below one a second "3.1 s/batch". */
        public String rateText() {
            if (rate >= 100) {
                return String.format(Locale.ROOT, "%,.0f/s", rate);
            }
            if (rate >= 1) {
                return String.format(Locale.ROOT, "%.1f/s", rate);
            }
            String one = unit.endsWith("ies") ? unit.substring(0, unit.length() - 3) + "y"
                    : unit.matches(".*(ch|sh|x)es") ? unit.substring(0, unit.length() - 2)
                    : unit.endsWith("s") ? unit.substring(0, unit.length() - 1) : unit;
            return String.format(Locale.ROOT, "%.1f s/%s", 1 / rate, one);
        }
    }

    /** Progress of one job execution. */
    public record ExecutionProgress(long executionId, long instanceId, String job, String status, String exitDescription,
                                    Map<String, String> parameters, LocalDateTime start, LocalDateTime end,
                                    double seconds, List<StepProgress> steps) {
    }

    /** The latest executions of a job (or of every job when job is null), newest first. */
    public List<ExecutionProgress> recent(String job, int limit) {
        List<JobExecution> executions = new ArrayList<>();
        for (String name : repository.getJobNames()) {
            if (job != null && !job.equals(name)) {
                continue;
            }
            for (JobInstance instance : repository.getJobInstances(name, 0, limit)) {
                executions.addAll(repository.getJobExecutions(instance));
            }
        }
        executions.sort(Comparator.comparing(JobExecution::getId).reversed());
        List<ExecutionProgress> out = new ArrayList<>();
        for (JobExecution e : executions.subList(0, Math.min(limit, executions.size()))) {
            out.add(of(e));
        }
        return out;
    }

    public ExecutionProgress of(JobExecution e) {
        Map<String, String> params = new LinkedHashMap<>();
        e.getJobParameters().parameters().forEach(p -> params.put(p.name(), String.valueOf(p.value())));
        // the latest execution of every step and partition of the instance, up to this execution
        Map<String, StepExecution> latest = new TreeMap<>();
        for (JobExecution x : repository.getJobExecutions(e.getJobInstance())) {
            if (x.getId() > e.getId()) {
                continue;
            }
            for (StepExecution s : x.getStepExecutions()) {
                StepExecution prev = latest.get(s.getStepName());
                if (prev == null || prev.getId() < s.getId()) {
                    latest.put(s.getStepName(), s);
                }
            }
        }
        List<StepExecution> managers = latest.values().stream().filter(s -> !s.getStepName().contains(":"))
                .sorted(Comparator.comparing(StepExecution::getId)).toList();
        List<StepProgress> steps = new ArrayList<>();
        for (StepExecution m : managers) {
            List<StepProgress> partitions = new ArrayList<>();
            for (StepExecution s : latest.values()) {
                int colon = s.getStepName().indexOf(':');
                if (colon > 0 && m.getStepName().equals(managerOf(s.getStepName()))) {
                    partitions.add(step(s, s.getStepName().substring(colon + 1), List.of()));
                }
            }
            steps.add(step(m, m.getStepName(), partitions));
        }
        return new ExecutionProgress(e.getId(), e.getJobInstance().getInstanceId(), e.getJobInstance().getJobName(),
                e.getStatus().name(), e.getExitStatus().getExitDescription(), params, e.getStartTime(), e.getEndTime(),
                seconds(e.getStartTime(), e.getEndTime()), steps);
    }

    /** "sliceMetadataPartition:studies-0001" belongs to "sliceMetadata" (workers are named manager + "Partition"). */
    public static String managerOf(String partitionStep) {
        String worker = partitionStep.substring(0, partitionStep.indexOf(':'));
        return worker.endsWith("Partition") ? worker.substring(0, worker.length() - "Partition".length()) : worker;
    }

    private StepProgress step(StepExecution s, String name, List<StepProgress> partitions) {
        ExecutionContext ctx = context(s);
        double secs = seconds(s.getStartTime(), s.getEndTime());
        long done;
        long expected;
        String unit;
        long thisRun;
        if (partitions.isEmpty()) {
            done = ctx.containsKey(DONE) ? ctx.getLong(DONE)
                    : s.getStatus() == BatchStatus.COMPLETED ? Math.max(s.getReadCount(), ctx.getLong(EXPECTED, 0L))
                    : Math.max(s.getReadCount(), restoredCount(ctx));
            expected = ctx.containsKey(EXPECTED) ? ctx.getLong(EXPECTED) : -1;
            unit = ctx.containsKey(UNIT) ? ctx.getString(UNIT) : "items";
            thisRun = ctx.containsKey(DONE) ? ctx.getLong(DONE) - ctx.getLong(DONE + ".atStart", 0L) : s.getReadCount();
        } else {
            done = partitions.stream().mapToLong(StepProgress::done).sum();
            expected = partitions.stream().allMatch(p -> p.expected() >= 0)
                    ? partitions.stream().mapToLong(StepProgress::expected).sum() : -1;
            unit = partitions.get(0).unit();
            thisRun = s.getReadCount();
            if (s.getStatus().isRunning()) {
                thisRun = partitions.stream().filter(p -> p.seconds() > 0).mapToLong(p -> (long) (p.rate() * p.seconds())).sum();
            }
        }
        double rate = secs > 0 ? thisRun / secs : 0;
        Long eta = s.getStatus().isRunning() && expected >= 0 && rate > 0
                ? (long) Math.ceil((expected - done) / rate) : null;
        Map<String, Object> details = new TreeMap<>();
        for (Map.Entry<String, Object> en : ctx.entrySet()) {
            if (en.getKey().startsWith(DETAIL_PREFIX)) {
                details.put(en.getKey().substring(DETAIL_PREFIX.length()), en.getValue());
            }
        }
        String worker = ctx.containsKey(OWNER_HOST) && partitions.isEmpty()
                ? ctx.getLong(OWNER_PID, -1L) + "@" + ctx.getString(OWNER_HOST) : null;
        return new StepProgress(name, s.getStatus().name(), done, expected, unit, s.getSkipCount(), rate, eta, secs,
                details, partitions, worker);
    }

    /** The step's saved context: executions listed with their job come without it, so it is read when missing. */
    private ExecutionContext context(StepExecution s) {
        if (!s.getExecutionContext().isEmpty()) {
            return s.getExecutionContext();
        }
        StepExecution full = repository.getStepExecution(s.getId()); // this step only: (job, step) reads every step of the job
        return full == null ? s.getExecutionContext() : full.getExecutionContext();
    }

    /** Items a restartable reader had reached when its last chunk was committed (it saves "NAME.read.count"). */
    private static long restoredCount(ExecutionContext ctx) {
        long max = 0;
        for (Map.Entry<String, Object> en : ctx.entrySet()) {
            if (en.getKey().endsWith(".read.count") && en.getValue() instanceof Number n) {
                max = Math.max(max, n.longValue());
            }
        }
        return max;
    }

    static double seconds(LocalDateTime start, LocalDateTime end) {
        if (start == null) {
            return 0;
        }
        return Duration.between(start, end == null ? LocalDateTime.now() : end).toMillis() / 1000.0;
    }
}
