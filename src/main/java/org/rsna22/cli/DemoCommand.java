package org.rsna22.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.rsna22.batch.JobRequest;
import org.rsna22.dataset.CompetitionMetric;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.demo.DemoEvaluation;
import org.rsna22.io.AtomicFiles;
import org.rsna22.ops.NativeAllocator;
import org.rsna22.submission.SubmissionScore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code demo}: a synthetic dataset, then every job in order on it, in a folder of its own. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Generate a synthetic training set and a test set, run the pipeline job on them (prepare, "
                + "train-bbox, infer-bbox, train-fracture, then infer-bbox and infer-fracture on the test set), compare "
                + "the study boxes with the generator's truth, and the out-of-fold and test-set fracture predictions "
                + "with the constant prevalence prediction.",
            "Everything goes to --out: dataset/, test/, test-labels.csv, work/ (outputs, the submission) and db/ (the "
                + "job repository of the demo)."})
final class DemoCommand extends LaunchingCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Option(names = "--out", defaultValue = "data/demo", description = "demo folder, replaced on each run (default: ${DEFAULT-VALUE})")
    Path out;

    /** The studies with which the demo's fracture models learn: its default (docs/experiments.md). */
    static final int LEARNING_STUDIES = 144;
    /** The smoke run's studies ({@code --quick}): every stage runs, too few studies to learn from. */
    static final int QUICK_STUDIES = 16;

    @Mixin
    DemoDataOptions data = DemoDataOptions.withStudies(LEARNING_STUDIES);

    @Option(names = "--quick", description = "a smoke run of every stage on " + QUICK_STUDIES + " studies (about 2 "
            + "minutes on 2 cores), too few for the fracture models to learn")
    boolean quick;

    @Option(names = "--test-studies", defaultValue = "4",
            description = "studies of the generated test set (default: ${DEFAULT-VALUE})")
    int testStudies;


    /**
     * Runs the same command line again with jemalloc preloaded and waits for it: the demo's minutes are PyTorch's,
     * which glibc's malloc slows (about 100 s of its 10 minutes on the 2-core VM). A stop of this process stops it.
     */
    private static int underJemalloc(List<String> command, PrintWriter log) throws IOException, InterruptedException {
        log.println("the demo starts again with jemalloc preloaded (PyTorch's memory; RSNA22_MALLOC=glibc keeps "
                + "glibc's malloc)");
        log.flush();
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        NativeAllocator.preloadJemalloc(pb.environment());
        Process child = pb.start();
        Thread stop = new Thread(child::destroy, "demo-child-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        try {
            return child.waitFor();
        } finally {
            child.destroy();
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs or ran: the child is being stopped
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        PrintWriter log = out();
        DemoDatasetGenerator.Options generated;
        try {
            if (quick) {
                if (spec.commandLine().getParseResult().hasMatchedOption("--studies")) {
                    return usage("--quick runs " + QUICK_STUDIES + " studies: give --quick or --studies, not both");
                }
                data.studies = QUICK_STUDIES;
            }
            generated = data.generator(96, 2);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        Optional<List<String>> again = NativeAllocator.restartCommand();
        if (again.isPresent()) {
            return underJemalloc(again.get(), log);
        }
        if (Files.exists(out)) {
            if (!Files.exists(out.resolve("dataset")) && !Files.exists(out.resolve("work"))) {
                return usage(out + " exists and is not a demo folder; choose another --out");
            }
            AtomicFiles.deleteTree(out);
        }
        Path dataset = out.resolve("dataset");
        log.printf("1/3 generating %d synthetic studies in %s%n", generated.studies(), dataset);
        log.flush();
        new DemoDatasetGenerator(generated).generate(dataset, log);
        Path testSet = out.resolve("test");
        Path testLabels = out.resolve("test-labels.csv");
        log.printf("2/3 generating a test set of %d other studies in %s (their labels in %s)%n", testStudies, testSet,
                testLabels);
        log.flush();
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(testStudies, data.size, data.seed + 1000, 96, 2,
                data.segFraction(), 1, false)).generate(testSet, null);
        DemoDatasetGenerator.toTestSet(testSet, testLabels);
        Path work = out.resolve("work");
        Map<String, Object> props = Map.of("rsna22.db-dir", out.resolve("db").toAbsolutePath().toString());
        String job = JobRequest.PIPELINE;
        log.printf("3/3 %s: prepare, train-bbox, infer-bbox, train-fracture, then infer-bbox and infer-fracture on the "
                + "test set%n", job);
        log.flush();
        allocatorNote(null);
        JobRequest request = JobRequest.of(job, Map.of("data", dataset.toString(), "work", work.toString(),
                "config", "demo", JobRequest.TEST, testSet.toString()));
        int code = JobLauncherSupport.run(launch(job, false, props), runner -> runner.run(job, request.parameters(), log));
        if (code != JobLauncherSupport.COMPLETED) {
            return code;
        }
        WorkLayout w = new WorkLayout(work);
        DemoEvaluation eval = DemoEvaluation.of(DemoDatasetGenerator.studyBoxTruth(dataset), w.bboxPred(Subset.TRAIN));
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        log.printf(Locale.ROOT, "demo done in %d:%02d: %d studies, study boxes mean IoU %.3f against the truth, slice "
                + "range off by %.1f slices on average%n", seconds / 60, seconds % 60, eval.studies(), eval.meanIou(),
                eval.meanRangeError());
        JsonNode cv = JSON.readTree(Files.readString(w.cvScore()));
        log.printf(Locale.ROOT, "fracture models, out of fold: competition metric %.4f on %d studies; the constant "
                + "prevalence prediction scores %.4f on the same studies (ratio %.2f)%n", cv.get("metric").asDouble(),
                cv.get("studies").asInt(), cv.get("prevalence_constant").get("metric").asDouble(),
                cv.get("ratio_to_constant").asDouble());
        if (generated.studies() < LEARNING_STUDIES) {
            log.printf("(%d studies are too few for the fracture models to learn; the demo without --quick or "
                    + "--studies runs %d, about 10 minutes on 2 cores: docs/experiments.md)%n", generated.studies(),
                    LEARNING_STUDIES);
        }
        log.printf("out-of-fold AUC (95 %% bootstrap interval; fractured studies): %s%n", aucs(cv));
        log.printf("out-of-fold predictions: %s%ncv score: %s%n", w.oofStudyPredictions(), w.cvScore());
        CompetitionMetric.Score test = SubmissionScore.score(w.submission(), testLabels);
        CompetitionMetric.Score constant = SubmissionScore.constantScore(testLabels, w.folds());
        log.printf(Locale.ROOT, "test set: submission scores %.4f on %d unseen studies; the training prevalence scores "
                + "%.4f on them%nsubmission: %s (score it: java -jar target/rsna22.jar score %s %s)%n", test.overall(),
                test.studies(), constant.overall(), w.submission(), w.submission(), testLabels);
        log.printf("report: %s (open it in a browser; study animations in %s)%n", w.reportIndex(),
                w.reportStudyAnimation("UID").getParent());
        log.printf("study boxes: %s%nslice predictions: %s%ntraining metrics: %s%nbox labels: %s%nskipped items: %s%n",
                w.bboxPred(Subset.TRAIN), w.bboxSlicePred(Subset.TRAIN),
                w.runs("demo").resolve("fold*").resolve("seed*").resolve(w.run("demo", 0, 0).metrics().getFileName()),
                w.bboxLabels(), w.skipped());
        log.flush();
        return JobLauncherSupport.COMPLETED;
    }

    /** Each label's out-of-fold AUC with its interval and positives from cv_score.json: "C1 0.76 (0.61-0.89; 11)". */
    static String aucs(JsonNode cv) {
        StringBuilder out = new StringBuilder();
        cv.get("auc").properties().forEach(e -> {
            out.append(out.isEmpty() ? "" : ", ").append(e.getKey()).append(' ');
            if (e.getValue().isNull()) {
                out.append('-');
                return;
            }
            out.append(String.format(Locale.ROOT, "%.2f", e.getValue().asDouble()));
            JsonNode interval = cv.path("auc_interval").path(e.getKey());
            JsonNode fractured = cv.path("fractured").path(e.getKey());
            if (interval.isArray() && interval.size() == 2 && fractured.isNumber()) {
                out.append(String.format(Locale.ROOT, " (%.2f-%.2f; %d)", interval.get(0).asDouble(),
                        interval.get(1).asDouble(), fractured.asInt()));
            }
        });
        return out.toString();
    }
}
