package org.rsna22.batch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.stereotype.Component;

/**
 * Records which process runs an execution (host and pid in the job execution context), so that an
 * execution left STARTED by a killed process can be told apart from one another process is running.
 */
@Component
public class JobOwnerListener implements JobExecutionListener {

    private final JobRepository repository;

    public JobOwnerListener(JobRepository repository) {
        this.repository = repository;
    }

    public static final String HOST = "owner.host";
    public static final String PID = "owner.pid";

    @Override
    public void beforeJob(JobExecution execution) {
        execution.getExecutionContext().putString(HOST, hostName());
        execution.getExecutionContext().putLong(PID, ProcessHandle.current().pid());
        repository.updateExecutionContext(execution); // saved now: the process may be killed before any step ends
    }

    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
