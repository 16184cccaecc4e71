package org.rsna22.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.rsna22.batch.JobRequest;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.rsna22.demo.DemoDatasetGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code demo}: a synthetic dataset, then every job in order on it, in a folder of its own. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Generate a synthetic dataset and run the whole pipeline on it (today: prepare).",
            "Everything goes to --out: dataset/, work/ (outputs) and db/ (the job repository of the demo)."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--out", defaultValue = "data/demo", description = "demo folder, replaced on each run (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--studies", defaultValue = "16", description = "number of studies (default: ${DEFAULT-VALUE})")
    int studies;

    @Option(names = "--size", defaultValue = "96", description = "image size in pixels (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--seed", defaultValue = "22", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        if (Files.exists(out)) {
            if (!Files.exists(out.resolve("dataset")) && !Files.exists(out.resolve("work"))) {
                spec.commandLine().getErr().println("error: " + out + " exists and is not a demo folder; choose another --out");
                return JobLauncherSupport.USAGE;
            }
            try (Stream<Path> s = Files.walk(out)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Path dataset = out.resolve("dataset");
        log.printf("1/2 generating %d synthetic studies in %s%n", studies, dataset);
        log.flush();
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(studies, size, seed, 96, 2)).generate(dataset, log);
        log.printf("2/2 prepare%n");
        log.flush();
        Path work = out.resolve("work");
        JobRequest request = JobRequest.of("prepare", Map.of("data", dataset.toString(), "work", work.toString(),
                "config", "demo"));
        int code = JobLauncherSupport.run(new JobLauncherSupport.Launch("prepare", false,
                Map.of("rsna22.db-dir", out.resolve("db").toAbsolutePath().toString()), List.of(), log,
                spec.commandLine().getErr()), runner -> runner.run("prepare", request.parameters(), log));
        if (code == JobLauncherSupport.COMPLETED) {
            log.printf("demo done. Box labels: %s; slice metadata: %s; skipped items: %s%n",
                    work.resolve("train_bbox_v01.csv.gz"), work.resolve("slice_meta_v01.csv.gz"),
                    work.resolve("skipped.csv"));
        }
        return code;
    }
}
