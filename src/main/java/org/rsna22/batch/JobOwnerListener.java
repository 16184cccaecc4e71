package org.rsna22.batch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.rsna22.config.ConfigLoader;
import org.rsna22.io.FolderLock;
import org.rsna22.ops.JobProgressService;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Records which process runs an execution (host, pid and a heartbeat every few seconds in the job execution
 * context), so that an execution left STARTED by a killed process can be told apart from one that another
 * process, here or on another machine sharing the repository, is running.
 */
@Component
public class JobOwnerListener implements JobExecutionListener {

    public static final String HOST = JobProgressService.OWNER_HOST;
    public static final String PID = JobProgressService.OWNER_PID;
    public static final String HEARTBEAT = "owner.heartbeat";
    /** The resolved config the execution runs with, as YAML: a restart compares it with the file and may use it. */
    public static final String CONFIG = "config.resolved";

    private final JobRepository repository;
    private final long heartbeatSeconds;
    private final Map<Long, ScheduledExecutorService> beats = new ConcurrentHashMap<>();

    public JobOwnerListener(JobRepository repository,
                            @Value("${rsna22.owner.heartbeat-seconds:10}") long heartbeatSeconds) {
        this.repository = repository;
        this.heartbeatSeconds = heartbeatSeconds;
    }

    @Override
    public void beforeJob(JobExecution execution) {
        execution.getExecutionContext().putString(HOST, hostName());
        execution.getExecutionContext().putLong(PID, ProcessHandle.current().pid());
        execution.getExecutionContext().putLong(HEARTBEAT, System.currentTimeMillis());
        execution.getExecutionContext().putString(CONFIG,
                ConfigLoader.toYaml(ConfigLoader.load(execution.getJobParameters().getString("config"))));
        repository.updateExecutionContext(execution); // saved now: the process may be killed before any step ends
        ScheduledExecutorService beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "owner-heartbeat-" + execution.getId());
            t.setDaemon(true);
            return t;
        });
        beat.scheduleAtFixedRate(() -> {
            execution.getExecutionContext().putLong(HEARTBEAT, System.currentTimeMillis());
            try {
                repository.updateExecutionContext(execution);
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(JobOwnerListener.class).warn("heartbeat of execution {} not saved: {}",
                        execution.getId(), e.getMessage());
            }
        }, heartbeatSeconds, heartbeatSeconds, TimeUnit.SECONDS);
        beats.put(execution.getId(), beat);
    }

    /**
     * Stops the heartbeat and waits for a beat in progress to end. Never by interrupting it: a thread interrupted
     * inside a file read or write of the embedded H2 repository closes the database's FileChannel (NIO channels are
     * interruptible), and every later statement of the process fails with "The database has been closed" (seen at
     * the end of a pipeline's train-fracture stage, when the beat was committing as the stage ended).
     */
    @Override
    public void afterJob(JobExecution execution) {
        ScheduledExecutorService beat = beats.remove(execution.getId());
        if (beat != null) {
            beat.shutdown(); // cancels the next beats; one that is running ends normally
            try {
                if (!beat.awaitTermination(60, TimeUnit.SECONDS)) {
                    LoggerFactory.getLogger(JobOwnerListener.class).warn(
                            "heartbeat of execution {} still saving after 60 s; left to finish", execution.getId());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public static String hostName() {
        return FolderLock.hostName();
    }

    /** Whether a recorded owner is a process of this host, whose pid can be checked here. */
    static boolean ofThisHost(String host, long pid) {
        return host != null && host.equals(hostName()) && pid > 0;
    }

    /** Whether a process of this host still runs. */
    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
