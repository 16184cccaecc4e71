package org.rsna22.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rsna22.batch.JobRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code run JOB key=value...}: launch a job and wait for it; exit 0 only when it completed. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Launch a job and wait for it. Exit code: 0 COMPLETED, 1 FAILED, 2 bad command line, 3 STOPPED.",
            "Jobs: prepare, train-bbox, infer-bbox, train-fracture, infer-fracture, report (in pipeline order), and "
                + "pipeline, which runs them all (with test=DIR also infer-bbox and infer-fracture on a test set).",
            "Parameters: data=DIR (dataset in the competition layout), work=DIR (outputs, default data/work), "
                + "config=NAME (experiment under config/ or a YAML path, default: default).",
            "Running the same job with the same parameters again resumes its last failed execution.",
            "While it runs, http://localhost:8022/actuator/progress shows where it stands (another port when "
                + "8022 is taken; --server.port=N to choose, --no-web or --server.port=0 for none).",
            "Spring options such as --rsna22.db-dir=DIR or --spring.profiles.active=postgres may follow; with "
                + "--rsna22.remote=true the partitions run on worker processes (see: worker --help)."})
final class RunCommand extends LaunchingCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOB", description = "the job to run")
    String job;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "job parameters")
    List<String> params = new ArrayList<>();


    @Override
    public Integer call() {
        JobRequest request;
        try {
            request = JobRequest.of(job, JobLauncherSupport.keyValues(params));
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        Map<String, Object> props = Map.of("logging.file.name",
                request.work().resolve("logs").resolve("rsna22.log").toString());
        return JobLauncherSupport.run(launch(job, true, props), runner -> {
            out().printf("running %s: data=%s work=%s config=%s%s%n", job, request.data(), request.work(),
                    request.config(), request.test() == null ? "" : " test=" + request.test());
            out().flush();
            allocatorNote(job);
            return runner.run(job, request.parameters(), out());
        });
    }
}
