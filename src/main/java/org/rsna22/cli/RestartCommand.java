package org.rsna22.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code restart JOB}: resume the most recent failed or stopped execution of a job. */
@Command(name = "restart", mixinStandardHelpOptions = true,
        description = {"Resume the most recent FAILED or STOPPED execution of JOB with its own parameters:",
            "completed steps are skipped, unfinished partitions continue from their last committed chunk.",
            "An execution left STARTED by a killed process (this host: its pid is gone; another host: no heartbeat "
                + "for rsna22.owner.stale-seconds) is marked FAILED first.",
            "An execution that ended UNKNOWN (its end could not be recorded: a full disk) is restarted only with "
                + "--recover-unknown, which marks it and its UNKNOWN steps FAILED first.",
            "Exit code: 0 COMPLETED, 1 FAILED, 2 nothing to restart or bad command line, 3 STOPPED."})
final class RestartCommand extends LaunchingCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOB", description = "the job to restart")
    String job;

    @Option(names = "--recover-unknown", description = "mark an execution that ended UNKNOWN (and its UNKNOWN steps) "
            + "FAILED, then restart it")
    boolean recoverUnknown;

    @Override
    public Integer call() {
        if (!JobLauncherSupport.knownJob(job, err())) {
            return JobLauncherSupport.USAGE;
        }
        return JobLauncherSupport.run(launch(job, true, Map.of()), runner -> {
            allocatorNote(job);
            return runner.restartLatest(job, out(), recoverUnknown);
        });
    }
}
