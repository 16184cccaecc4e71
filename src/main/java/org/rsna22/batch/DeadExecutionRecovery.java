package org.rsna22.batch;

import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Finds executions left STARTED by a process that is gone (killed, or a machine that went silent) and marks them
 * FAILED, so that they can be restarted. Every command that reads or starts jobs calls it first.
 */
@Component
public class DeadExecutionRecovery {

    private final JobRepository repository;
    private final JobOperator operator;
    private final long staleSeconds;

    private final long workerSilentMillis;

    public DeadExecutionRecovery(JobRepository repository, JobOperator operator,
                                 @Value("${rsna22.owner.stale-seconds:60}") long staleSeconds,
                                 @Value("${rsna22.remote-silent-seconds:600}") long workerSilentSeconds) {
        this.repository = repository;
        this.operator = operator;
        this.staleSeconds = staleSeconds;
        this.workerSilentMillis = workerSilentSeconds * 1000;
    }

    /**
     * Marks FAILED the running executions whose owner is gone: a process of this host that no longer exists,
     * or, for another host, a heartbeat older than the stale limit. Executions of live owners are untouched.
     */
    public void recover(String jobName, PrintWriter out) {
        for (JobExecution e : repository.findRunningJobExecutions(jobName)) {
            String why = deadOwner(e);
            if (why != null) {
                List<String> live = liveRemotePartitions(e);
                if (!live.isEmpty()) {
                    // marking them FAILED would let a restart run them twice at once, on the same files
                    out.printf("execution %d of %s was left %s by %s, but partitions of it still run on workers: %s; "
                            + "it is left as it is: restart it when they have ended (or stop those workers)%n",
                            e.getId(), jobName, e.getStatus(), why, String.join(", ", live));
                    out.flush();
                    continue;
                }
                BatchStatus left = e.getStatus();
                operator.recover(e);
                out.printf("execution %d of %s was left %s by %s: marked FAILED%n", e.getId(), jobName, left, why);
                out.flush();
            }
        }
    }

    /** The running partitions of an execution that a remote worker runs and that may still be alive. */
    List<String> liveRemotePartitions(JobExecution e) {
        List<String> live = new ArrayList<>();
        for (StepExecution s : e.getStepExecutions()) {
            if (!s.getStepName().contains(":") || !s.getStatus().isRunning()) {
                continue;
            }
            StepExecution saved = repository.getStepExecution(s.getId());
            if (saved != null && saved.getStatus() == BatchStatus.STARTED
                    && saved.getExecutionContext().containsKey(JobOwnerListener.HOST)
                    && RemotePartitionHandler.goneWorker(saved, workerSilentMillis) == null) {
                live.add(saved.getStepName() + " on " + saved.getExecutionContext().getLong(JobOwnerListener.PID, -1L)
                        + "@" + saved.getExecutionContext().getString(JobOwnerListener.HOST));
            }
        }
        return live;
    }

    /** Why the owner of a running execution is gone, or null when it may be alive. */
    String deadOwner(JobExecution e) {
        ExecutionContext ctx = e.getExecutionContext();
        String host = ctx.getString(JobOwnerListener.HOST, null);
        long pid = ctx.getLong(JobOwnerListener.PID, -1L);
        long beat = ctx.getLong(JobOwnerListener.HEARTBEAT, -1L);
        long now = System.currentTimeMillis();
        if (JobOwnerListener.ofThisHost(host, pid)) {
            return JobOwnerListener.alive(pid) ? null : "process " + pid + ", which is gone";
        }
        long last = beat > 0 ? beat : e.getCreateTime() == null ? now
                : e.getCreateTime().atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        if (now - last > staleSeconds * 1000) {
            return (host == null ? "a process that recorded no owner" : "process " + pid + " on " + host)
                    + ", silent for " + (now - last) / 1000 + " s";
        }
        return null;
    }
}
