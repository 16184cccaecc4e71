package org.rsna22.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code restart JOB}: resume the most recent failed or stopped execution of a job. */
@Command(name = "restart", mixinStandardHelpOptions = true,
        description = {"Resume the most recent FAILED or STOPPED execution of JOB with its own parameters:",
            "completed steps are skipped, unfinished partitions continue from their last committed chunk.",
            "An execution left STARTED by a killed process (this host: its pid is gone; another host: no heartbeat "
                + "for rsna22.owner.stale-seconds) is marked FAILED first.",
            "Exit code: 0 COMPLETED, 1 FAILED, 2 nothing to restart or bad command line, 3 STOPPED."})
final class RestartCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOB", description = "the job to restart")
    String job;

    @Unmatched
    List<String> springArgs = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!JobLauncherSupport.knownJob(job, spec.commandLine().getErr())) {
            return JobLauncherSupport.USAGE;
        }
        return JobLauncherSupport.run(new JobLauncherSupport.Launch(job, true, Map.of(), springArgs,
                spec.commandLine().getOut(), spec.commandLine().getErr()),
                runner -> runner.restartLatest(job, spec.commandLine().getOut()));
    }
}
