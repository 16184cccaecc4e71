package org.rsna22.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.rsna22.batch.JobOwnerListener;
import org.rsna22.batch.JobRequest;
import org.rsna22.io.IoErrors;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ApplicationContext;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and Ctrl-C stop this process's job at its next chunk boundary: it ends STOPPED and can be
 * restarted. The signals are taken over instead of using a shutdown hook, because at JVM shutdown the
 * database (H2 closes itself) and the connection pool would go away before the job could record its stop.
 * A second signal exits at once.
 */
final class GracefulStop implements SignalHandler {

    private static final String[] SIGNALS = {"TERM", "INT"};

    private final ApplicationContext ctx;
    private final String job;
    private final PrintWriter out;
    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];
    private volatile boolean stopping;

    private GracefulStop(ApplicationContext ctx, String job, PrintWriter out) {
        this.ctx = ctx;
        this.job = job;
        this.out = out;
    }

    static GracefulStop install(ApplicationContext ctx, String job, PrintWriter out) {
        GracefulStop g = new GracefulStop(ctx, job, out);
        for (int i = 0; i < SIGNALS.length; i++) {
            g.previous[i] = Signal.handle(new Signal(SIGNALS[i]), g);
        }
        return g;
    }

    void uninstall() {
        for (int i = 0; i < SIGNALS.length; i++) {
            Signal.handle(new Signal(SIGNALS[i]), previous[i]);
        }
    }

    @Override
    public void handle(Signal signal) {
        if (stopping) {
            out.println("second SIG" + signal.getName() + ": exiting now; restart will recover the execution");
            out.flush();
            Runtime.getRuntime().halt(128 + signal.getNumber());
        }
        stopping = true;
        long me = ProcessHandle.current().pid();
        boolean any = false;
        try {
            JobRepository repository = ctx.getBean(JobRepository.class);
            List<JobExecution> running = new ArrayList<>();
            for (String j : JobRequest.executionsOf(job)) {
                running.addAll(repository.findRunningJobExecutions(j));
            }
            for (JobExecution e : running) {
                if (e.getExecutionContext().getLong(JobOwnerListener.PID, -1L) == me) {
                    out.printf("%nSIG%s: stopping %s (execution %d) at the next chunk boundary...%n", signal.getName(),
                            e.getJobInstance().getJobName(), e.getId());
                    out.flush();
                    ctx.getBean(JobOperator.class).stop(e);
                    any = true;
                }
            }
        } catch (Exception e) {
            out.println("graceful stop failed: " + IoErrors.rootMessage(e));
        }
        if (!any) {
            out.println("SIG" + signal.getName() + ": no job of this process is running; exiting");
            out.flush();
            System.exit(128 + signal.getNumber());
        }
    }
}
