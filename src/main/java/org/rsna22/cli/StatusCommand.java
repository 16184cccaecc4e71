package org.rsna22.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.rsna22.batch.DeadExecutionRecovery;
import org.rsna22.batch.FailureReason;
import org.rsna22.batch.JobRepositoryContext;
import org.rsna22.batch.JobRequest;
import org.rsna22.ops.JobProgressService.ExecutionProgress;
import org.rsna22.ops.JobProgressService.StepProgress;
import org.rsna22.ops.JobProgressService;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code status [JOB]}: executions with their steps, counts, partitions and the progress of running steps. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the latest executions (of JOB, or of every job): parameters, status, times, and per step "
                + "items done/expected, skips, partitions and, for running steps, rate and ETA.")
final class StatusCommand extends LaunchingCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "JOB", description = "only this job")
    String job;

    @Option(names = "--last", defaultValue = "5", description = "how many executions (default: ${DEFAULT-VALUE})")
    int last;


    @Override
    public Integer call() {
        PrintWriter out = out();
        if (!JobLauncherSupport.knownJob(job, err())) {
            return JobLauncherSupport.USAGE;
        }
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(JobRepositoryContext.class)
                .web(WebApplicationType.NONE).run(springArgs.toArray(String[]::new))) {
            DeadExecutionRecovery recovery = ctx.getBean(DeadExecutionRecovery.class);
            for (String j : job == null ? JobRequest.JOBS : List.of(job)) {
                recovery.recover(j, out);
            }
            List<ExecutionProgress> executions = ctx.getBean(JobProgressService.class).recent(job, last);
            if (executions.isEmpty()) {
                out.println(job == null ? "no executions yet" : "no executions of " + job + " yet");
            }
            JobRepository repository = ctx.getBean(JobRepository.class);
            for (ExecutionProgress e : executions) {
                // why a failed execution failed: the first failed partition or stage, by name, and its reason
                JobExecution saved = e.status().equals("FAILED") ? repository.getJobExecution(e.executionId()) : null;
                print(e, saved == null ? null : FailureReason.of(saved, repository), out);
            }
            out.flush();
            return 0;
        }
    }

    private static final String DEVICE = "device";
    /** Up to this many remote partitions are listed one by one; more are counted per worker. */
    private static final int LISTED_PARTITIONS = 16;

    static void print(ExecutionProgress e, String failure, PrintWriter out) {
        out.printf(Locale.ROOT, "%s  execution %d (instance %d)  %s  started %s  %s%n", e.job(), e.executionId(),
                e.instanceId(), e.status(), e.start() == null ? "-" : e.start().withNano(0).toString().replace('T', ' '),
                duration(e.seconds()));
        String test = e.parameters().get("test");
        out.printf("  data=%s work=%s config=%s%s%n", e.parameters().get("data"), e.parameters().get("work"),
                e.parameters().get("config"), test == null ? "" : " test=" + test);
        if (failure != null && !failure.isBlank()) {
            out.println("  reason: " + (failure.length() > 300 ? failure.substring(0, 300) + "..." : failure));
        } else if (e.exitDescription() != null && !e.exitDescription().isBlank() && !e.status().equals("COMPLETED")) {
            String d = e.exitDescription().lines().findFirst().orElse("");
            out.println("  reason: " + (d.length() > 200 ? d.substring(0, 200) + "..." : d));
        }
        for (StepProgress s : e.steps()) {
            out.printf(Locale.ROOT, "  %-20s %-9s %s%s%s  %s%n", s.name(), s.status(), amount(s),
                    s.skipped() > 0 ? "  skipped " + s.skipped() : "", partitions(s), timing(s));
            // remote partitions: the worker (pid@host) that ran each; with many, how many each worker ran
            List<StepProgress> remote = s.partitions().stream().filter(p -> p.worker() != null).toList();
            if (!remote.isEmpty() && remote.size() <= LISTED_PARTITIONS) {
                out.println("    workers: " + String.join(", ", remote.stream().map(p -> p.name() + " " + p.worker())
                        .toList()));
            } else if (!remote.isEmpty()) {
                Map<String, Long> perWorker = remote.stream().collect(Collectors.groupingBy(StepProgress::worker,
                        TreeMap::new, Collectors.counting()));
                out.println("    workers: " + String.join(", ", perWorker.entrySet().stream()
                        .map(w -> w.getKey() + " " + w.getValue() + " partitions").toList()));
            }
            // the device each partition that runs a network took (rsna22.devices)
            List<String> devices = s.partitions().stream().filter(p -> p.details().containsKey(DEVICE))
                    .map(p -> p.name() + " " + p.details().get(DEVICE)).toList();
            if (!devices.isEmpty()) {
                out.println("    devices: " + String.join(", ", devices));
            }
        }
    }

    private static String amount(StepProgress s) {
        if (s.expected() > 0) {
            return String.format(Locale.ROOT, "%,d/%,d %s (%.0f %%)", s.done(), s.expected(), s.unit(),
                    100.0 * s.done() / s.expected());
        }
        return s.done() > 0 ? String.format(Locale.ROOT, "%,d %s", s.done(), s.unit()) : "";
    }

    private static String partitions(StepProgress s) {
        if (s.partitions().isEmpty()) {
            return "";
        }
        long done = s.partitions().stream().filter(p -> p.status().equals("COMPLETED")).count();
        List<String> other = s.partitions().stream().filter(p -> !p.status().equals("COMPLETED"))
                .map(p -> p.name() + " " + p.status() + (p.worker() == null ? "" : " on " + p.worker())).toList();
        return "  partitions " + done + "/" + s.partitions().size() + " completed"
                + (other.isEmpty() ? "" : " (" + String.join(", ", other) + ")");
    }

    private static String timing(StepProgress s) {
        StringBuilder sb = new StringBuilder(duration(s.seconds()));
        if (s.status().equals("STARTED") && s.rate() > 0) {
            sb.append("  ").append(s.rateText());
        }
        if (s.etaSeconds() != null) {
            sb.append(String.format(Locale.ROOT, "  ETA %s", duration(s.etaSeconds())));
        }
        return sb.toString();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60)
                : String.format(Locale.ROOT, "%.1fs", seconds);
    }
}
