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

/** {@code run JOB key=value...}: launch a job and wait for it; exit 0 only when it completed. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Launch a job and wait for it. Exit code 0 only when it COMPLETED.",
            "Jobs: prepare.",
            "Parameters: data=DIR (dataset in the competition layout), work=DIR (outputs, default data/work), "
                + "config=NAME (experiment under config/ or a YAML path, default: default).",
            "Running the same job with the same parameters again resumes its last failed execution.",
            "Spring options such as --rsna22.db-dir=DIR may follow."})
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOB", description = "the job to run")
    String job;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "job parameters")
    List<String> params = new ArrayList<>();

    @Unmatched
    List<String> springArgs = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Map<String, String> kv;
        try {
            kv = JobLauncherSupport.keyValues(params);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return JobLauncherSupport.USAGE;
        }
        return JobLauncherSupport.run(job, kv, Map.of(), springArgs.toArray(String[]::new),
                spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
