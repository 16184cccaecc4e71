package org.rsna22.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.rsna22.batch.JobOwnerListener;
import org.rsna22.batch.JobRequest;
import org.rsna22.ops.JobProgressService.ExecutionProgress;
import org.rsna22.ops.JobProgressService.StepProgress;
import org.rsna22.ops.JobProgressService;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.context.ApplicationContext;

/**
 * The progress of this process's running job: a line redrawn every second on a terminal, or a log line
 * every {@code rsna22.progress.log-seconds} (default 30) when the output is not a terminal.
 */
final class ProgressPrinter implements Runnable {

    private final JobRepository repository;
    private final JobProgressService progress;
    private final String job;
    private final PrintWriter out;
    private final boolean terminal;
    private final long intervalMillis;
    private volatile boolean running = true;
    private final Thread thread;
    private boolean drawn;

    private ProgressPrinter(ApplicationContext ctx, String job, PrintWriter out) {
        this.repository = ctx.getBean(JobRepository.class);
        this.progress = ctx.getBean(JobProgressService.class);
        this.job = job;
        this.out = out;
        this.terminal = System.console() != null;
        this.intervalMillis = terminal ? 1000
                : 1000 * ctx.getEnvironment().getProperty("rsna22.progress.log-seconds", Long.class, 30L);
        this.thread = new Thread(this, "progress");
        this.thread.setDaemon(true);
    }

    static ProgressPrinter start(ApplicationContext ctx, String job, PrintWriter out) {
        ProgressPrinter p = new ProgressPrinter(ctx, job, out);
        p.thread.start();
        return p;
    }

    /**
     * Ends the printer and waits for it. Wakes it without an interrupt: it may be reading the job repository, and an
     * interrupt inside a file read closes the embedded H2 database's FileChannel for the whole process.
     */
    void stop() {
        synchronized (this) {
            running = false;
            notifyAll();
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drawn) {
            out.println();
            out.flush();
        }
    }

    @Override
    public void run() {
        long me = ProcessHandle.current().pid();
        while (running) {
            try {
                synchronized (this) {
                    long until = System.currentTimeMillis() + intervalMillis;
                    for (long left = intervalMillis; running && left > 0; left = until - System.currentTimeMillis()) {
                        wait(left);
                    }
                    if (!running) {
                        return;
                    }
                }
                for (JobExecution e : running()) {
                    if (e.getExecutionContext().getLong(JobOwnerListener.PID, -1L) == me) {
                        String line = line(progress.of(e));
                        if (line != null && running) {
                            out.print(terminal ? "\r" + line + "\u001B[K" : line + "\n");
                            out.flush();
                            drawn = terminal;
                        }
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the repository may be closing at the end of the job; the next tick or the summary tells
            }
        }
    }

    /** The running executions of the job; for the pipeline, of its stages (its own steps only wait for them). */
    private List<JobExecution> running() {
        List<JobExecution> out = new ArrayList<>();
        for (String j : JobRequest.executionsOf(job)) {
            if (!j.equals(JobRequest.PIPELINE)) {
                out.addAll(repository.findRunningJobExecutions(j));
            }
        }
        return out;
    }

    /** "sliceMetadata  4,200/10,103 slices  41 %  5,120/s  ETA 0:01", for the running step. */
    static String line(ExecutionProgress e) {
        for (StepProgress s : e.steps()) {
            if (!s.status().equals("STARTED") && !s.status().equals("STARTING")) {
                continue;
            }
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s %-18s", e.job(), s.name()));
            if (s.expected() > 0) {
                sb.append(String.format(Locale.ROOT, " %,d/%,d %s  %3.0f %%", s.done(), s.expected(), s.unit(),
                        100.0 * s.done() / s.expected()));
            } else {
                sb.append(String.format(Locale.ROOT, " %,d %s", s.done(), s.unit()));
            }
            if (s.rate() > 0) {
                sb.append("  ").append(s.rateText());
            }
            if (s.etaSeconds() != null) {
                sb.append(String.format(Locale.ROOT, "  ETA %d:%02d", s.etaSeconds() / 60, s.etaSeconds() % 60));
            }
            s.details().forEach((k, v) -> sb.append("  ").append(k).append('=').append(v));
            return sb.toString();
        }
        return null;
    }
}
