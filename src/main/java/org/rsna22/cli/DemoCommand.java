package org.rsna22.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rsna22.batch.JobRequest;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.demo.DemoEvaluation;
import org.rsna22.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code demo}: a synthetic dataset, then every job in order on it, in a folder of its own. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Generate a synthetic dataset and run the whole pipeline on it (prepare, train-bbox, infer-bbox, "
                + "train-fracture), then compare the study boxes with the generator's truth and the out-of-fold "
                + "fracture predictions with the constant prevalence prediction.",
            "Everything goes to --out: dataset/, work/ (outputs) and db/ (the job repository of the demo)."})
final class DemoCommand extends LaunchingCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Option(names = "--out", defaultValue = "data/demo", description = "demo folder, replaced on each run (default: ${DEFAULT-VALUE})")
    Path out;

    @Mixin
    DemoDataOptions data;


    @Override
    public Integer call() throws Exception {
        PrintWriter log = out();
        if (Files.exists(out)) {
            if (!Files.exists(out.resolve("dataset")) && !Files.exists(out.resolve("work"))) {
                return usage(out + " exists and is not a demo folder; choose another --out");
            }
            AtomicFiles.deleteTree(out);
        }
        Path dataset = out.resolve("dataset");
        log.printf("1/%d generating %d synthetic studies in %s%n", JobRequest.JOBS.size() + 1, data.studies, dataset);
        log.flush();
        new DemoDatasetGenerator(data.generator(96, 2)).generate(dataset, log);
        Path work = out.resolve("work");
        Map<String, Object> props = Map.of("rsna22.db-dir", out.resolve("db").toAbsolutePath().toString());
        int step = 2;
        for (String job : JobRequest.JOBS) {
            log.printf("%d/%d %s%n", step++, JobRequest.JOBS.size() + 1, job);
            log.flush();
            JobRequest request = JobRequest.of(job, Map.of("data", dataset.toString(), "work", work.toString(),
                    "config", "demo"));
            int code = JobLauncherSupport.run(launch(job, false, props),
                    runner -> runner.run(job, request.parameters(), log));
            if (code != JobLauncherSupport.COMPLETED) {
                return code;
            }
        }
        WorkLayout w = new WorkLayout(work);
        DemoEvaluation eval = DemoEvaluation.of(DemoDatasetGenerator.studyBoxTruth(dataset), w.bboxPred(Subset.TRAIN));
        log.printf(Locale.ROOT, "demo done: %d studies, study boxes mean IoU %.3f against the truth, slice range off by "
                + "%.1f slices on average%n", eval.studies(), eval.meanIou(), eval.meanRangeError());
        JsonNode cv = JSON.readTree(Files.readString(w.cvScore()));
        log.printf(Locale.ROOT, "fracture models, out of fold: competition metric %.4f on %d studies; the constant "
                + "prevalence prediction scores %.4f on the same studies (ratio %.2f)%n", cv.get("metric").asDouble(),
                cv.get("studies").asInt(), cv.get("prevalence_constant").get("metric").asDouble(),
                cv.get("ratio_to_constant").asDouble());
        log.printf("out-of-fold predictions: %s%ncv score: %s%n", w.oofStudyPredictions(), w.cvScore());
        log.printf("study boxes: %s%nslice predictions: %s%ntraining metrics: %s%nbox labels: %s%nskipped items: %s%n",
                w.bboxPred(Subset.TRAIN), w.bboxSlicePred(Subset.TRAIN),
                w.runs("demo").resolve("fold*").resolve("seed*").resolve(w.run("demo", 0, 0).metrics().getFileName()),
                w.bboxLabels(), w.skipped());
        log.flush();
        return JobLauncherSupport.COMPLETED;
    }
}
