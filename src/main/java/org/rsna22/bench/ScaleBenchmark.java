package org.rsna22.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.config.FractureConfig.SequenceModel;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.io.AtomicFiles;
import org.rsna22.ops.ProcessMemory;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a stage costs as the data grows: N and 2N full-size generated studies (and a test set), every stage of the
 * pipeline with config=rehearsal run as its own process of the jar, so that its peak resident memory (VmHWM, DJL's
 * native memory included) is its own. Per stage: wall time, items/s, peak resident memory, peak Java heap; per study:
 * the bytes of every output and cache; the ratio of 2N to N; then, stage by stage, what the competition's data
 * (2,019 training studies of 674,000 slices, a 1,500-study test set) would cost on this machine with default.yaml. A
 * last run of infer-bbox over at least {@code leakTriplets} 512-pixel triplets samples the process's resident memory
 * to show whether native memory creeps up.
 */
public final class ScaleBenchmark {

    /** The competition's training set (SPEC §1), and a test set of the hidden one's size. */
    static final int COMPETITION_STUDIES = 2019;
    static final long COMPETITION_SLICES = 674_000;
    static final int COMPETITION_SEGMENTED = 87;
    static final int TEST_STUDIES = 1500;
    static final long TEST_SLICES = 1500L * 334;
    static final double DATASET_GB = 343;

    private static final Pattern MEMORY = Pattern.compile(
            "memory: peak resident (\\d+) MiB .*peak Java heap (\\d+) MiB[^,\n]*(?:, live after collections at most "
                    + "(\\d+) MiB)?");
    private static final Pattern STEP = Pattern.compile("^\\s+(\\w+)\\s+COMPLETED .* (\\d+\\.\\d)s");

    /**
     * What to run.
     *
     * @param prepareStudies full-size studies for the comparison of {@code run prepare} with a pydicom header pass
     *                       (0: none)
     * @param heap           every stage's Java heap (-Xms and -Xmx, touched at start: "3g"), so that the resident
     *                       memory's changes are native memory's and a heap that had to grow fails the stage instead of
     *                       hiding in the resident set
     */
    public record Options(Path dir, int studies, int testStudies, String config, long leakTriplets,
                          int prepareStudies, String heap, boolean sizes) {
    }

    /** One stage's measurement at one dataset size. */
    public record Stage(String stage, String job, double seconds, long items, String unit, long peakResidentMiB,
                        long peakHeapMiB, long liveHeapMiB, Map<String, Double> steps, Map<String, Double> stepRates) {
        double itemsPerSecond() {
            return items / Math.max(1e-9, seconds);
        }
    }

    /**
     * One dataset size: its studies and slices, its stages, the work folder's bytes per study by kind (per test study
     * for the test set's), and the bytes of one run of each model (its checkpoints and final weights).
     */
    public record Size(int studies, long slices, int testStudies, long testSlices, List<Stage> stages,
                       Map<String, Long> bytesPerStudy, Map<String, Long> bytesPerRun) {
    }

    private final Options options;
    private final PrintWriter out;
    private final ExperimentConfig defaults = ConfigLoader.load(ConfigLoader.DEFAULT);

    private final Path jar;

    public ScaleBenchmark(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
        this.jar = Path.of(ChildJvm.ownJar("bench scale"));
    }

    /** Runs both sizes and the leak check; prints the table, returns everything for --json. */
    public Map<String, Object> run() throws Exception {
        Files.createDirectories(options.dir());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", Runtime.getRuntime().availableProcessors() + " cores, "
                + Math.round(Runtime.getRuntime().maxMemory() / 1e9) + " GB default heap");
        report.put("config", options.config());
        int n2Studies = 2 * options.studies();
        if (options.sizes()) {
            List<Size> sizes = new ArrayList<>();
            for (int n : new int[] {options.studies(), n2Studies}) {
                sizes.add(size(n));
            }
            report.put("sizes", sizes);
            printTable(sizes.get(0), sizes.get(1));
            report.put("competition", project(sizes.get(1)));
        } else if (options.leakTriplets() > 0
                && !Files.isDirectory(options.dir().resolve("n" + n2Studies).resolve("work").resolve("runs"))) {
            throw new IllegalStateException("--no-sizes: the leak check needs the trained work folder of an earlier run "
                    + "with --studies " + options.studies() + " in " + options.dir().resolve("n" + n2Studies));
        }
        if (options.leakTriplets() > 0) {
            report.put("native_memory", leakCheck(n2Studies));
        }
        if (options.prepareStudies() > 0) {
            report.put("prepare_against_pydicom", prepareAgainstPydicom(options.prepareStudies()));
        }
        return report;
    }

    // --- one dataset size ---

    private Size size(int n) throws Exception {
        Path root = options.dir().resolve("n" + n);
        Path data = root.resolve("data");
        Path test = root.resolve("test");
        int testStudies = Math.max(options.testStudies(), n / 4);
        if (!Files.isRegularFile(data.resolve("train.csv"))) {
            out.printf("generating %d full-size studies in %s%n", n, data);
            out.flush();
            AtomicFiles.deleteTree(data);
            new DemoDatasetGenerator(DemoDatasetGenerator.Options.fullSize(n, 1000 + n, 2)).generate(data, null);
        }
        if (!Files.isDirectory(test.resolve("test_images"))) {
            Path generated = root.resolve("test-generated");
            AtomicFiles.deleteTree(generated);
            new DemoDatasetGenerator(DemoDatasetGenerator.Options.fullSize(testStudies, 5000 + n, 2))
                    .generate(generated, null);
            DemoDatasetGenerator.toTestSet(generated, root.resolve("test-labels.csv"));
            Files.move(generated, test);
        }
        Path work = root.resolve("work");
        Path db = root.resolve("db");
        AtomicFiles.deleteTree(work);
        AtomicFiles.deleteTree(db);
        long slices = countSlices(data.resolve("train_images"));
        long testSlices = countSlices(test.resolve("test_images"));
        List<Stage> stages = new ArrayList<>();
        String[][] plan = {
            {"prepare", "prepare", "data"}, {"train-bbox", "train-bbox", "data"}, {"infer-bbox", "infer-bbox", "data"},
            {"train-fracture", "train-fracture", "data"}, {"infer-bbox (test)", "infer-bbox", "test"},
            {"infer-fracture (test)", "infer-fracture", "test"}};
        for (String[] s : plan) {
            Path input = s[2].equals("data") ? data : test;
            Stage stage = stage(s[0], s[1], input, work, db, root.resolve("logs"));
            stage = withItems(stage, n, slices, testStudies, testSlices, work);
            stages.add(stage);
            out.printf(Locale.ROOT, "  %d studies: %-22s %7.1f s  %,9d %-9s %7.1f/s  peak resident %,6d MiB  live heap "
                    + "%,5d MiB%n", n, stage.stage(), stage.seconds(), stage.items(), stage.unit(), stage.itemsPerSecond(),
                    stage.peakResidentMiB(), stage.liveHeapMiB());
            stage.stepRates().forEach((k, v) -> out.printf(Locale.ROOT, "      %s: %,.0f%n", k, v));
            out.flush();
        }
        return new Size(n, slices, testStudies, testSlices, stages, bytesPerStudy(work, n, testStudies),
                bytesPerRun(work));
    }

    /** Runs one job as a process of the jar and reads what it said of its steps and memory. */
    private Stage stage(String name, String job, Path input, Path work, Path db, Path logs) throws Exception {
        Files.createDirectories(logs);
        Path log = logs.resolve(name.replaceAll("[^a-z-]", "") + ".log");
        long t0 = System.nanoTime();
        Process p = ChildJvm.start(List.of(), heapOptions(), Map.of(), jar.toString(), log, List.of("run", job,
                "data=" + input, "work=" + work, "config=" + options.config(), "--rsna22.db-dir=" + db, "--no-web"));
        int exit = p.waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        String said = Files.readString(log);
        if (exit != 0) {
            throw new IllegalStateException(name + " ended with exit code " + exit + "; see " + log);
        }
        Matcher m = MEMORY.matcher(said);
        long rss = -1;
        long heap = -1;
        long live = -1;
        if (m.find()) {
            rss = Long.parseLong(m.group(1));
            heap = Long.parseLong(m.group(2));
            live = m.group(3) == null ? -1 : Long.parseLong(m.group(3));
        }
        Map<String, Double> steps = new LinkedHashMap<>();
        for (String line : said.split("\n")) {
            Matcher s = STEP.matcher(line);
            if (s.find()) {
                steps.put(s.group(1), Double.parseDouble(s.group(2)));
            }
        }
        return new Stage(name, job, seconds, 0, "", rss, heap, live, steps, Map.of());
    }

    /** The JVM options of every stage's process: a fixed heap, committed and touched at start. */
    private List<String> heapOptions() {
        return List.of("-Xms" + options.heap(), "-Xmx" + options.heap(), "-XX:+AlwaysPreTouch");
    }

    /** The stage's items: what its time grows with. */
    private Stage withItems(Stage s, int studies, long slices, int testStudies, long testSlices, Path work)
            throws IOException {
        long items;
        String unit;
        switch (s.stage()) {
            case "prepare" -> {
                items = slices;
                unit = "slices";
            }
            case "infer-bbox" -> {
                items = slices - 2L * studies;
                unit = "triplets";
            }
            case "infer-bbox (test)" -> {
                items = testSlices - 2L * testStudies;
                unit = "triplets";
            }
            case "infer-fracture (test)" -> {
                items = testStudies;
                unit = "studies";
            }
            case "train-bbox" -> {
                items = trainedSamples(work, "");
                unit = "samples";
            }
            default -> {
                items = studies;
                unit = "studies";
            }
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        if (s.stage().equals("prepare") && s.steps().containsKey("sliceMetadata")) {
            rates.put("sliceMetadata slices/s", slices / Math.max(0.05, s.steps().get("sliceMetadata")));
        }
        if (s.stage().equals("train-fracture") && s.steps().containsKey("studyCrops")) {
            rates.put("studyCrops slices/s", cropSlices(work) / Math.max(0.05, s.steps().get("studyCrops")));
        }
        return new Stage(s.stage(), s.job(), s.seconds(), items, unit, s.peakResidentMiB(), s.peakHeapMiB(), s.liveHeapMiB(), s.steps(),
                rates);
    }

    /** Samples trained by the runs of one model (metrics.csv's batches times the batch size, every epoch and run). */
    private long trainedSamples(Path work, String model) throws IOException {
        long samples = 0;
        ExperimentConfig c = ConfigLoader.load(options.config());
        int batch = model.isEmpty() ? c.bbox().batchSize() : settings(c, model).batchSize();
        for (Path metrics : metricsFiles(work, c.name(), model)) {
            for (EpochRow r : epochs(metrics)) {
                samples += (long) r.trainBatches() * batch;
            }
        }
        return samples;
    }

    /** The work folder's bytes per study (per test study for the test set's crops), by what they are; not the runs. */
    private static Map<String, Long> bytesPerStudy(Path work, int studies, int testStudies) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        Map<String, Long> total = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(work)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Path rel = work.relativize(f);
                String kind = rel.getNameCount() == 1 ? "outputs (csv, json)" : switch (rel.getName(0).toString()) {
                    case "crops" -> rel.getNameCount() > 2 && rel.getName(1).toString().equals("test") ? TEST_CROPS
                            : "crops";
                    case "embeddings" -> "embeddings";
                    case "runs" -> null; // per run, not per study: bytesPerRun
                    case "parts" -> "part files";
                    case "logs" -> "logs";
                    default -> rel.getName(0).toString();
                };
                if (kind != null) {
                    total.merge(kind, Files.size(f), Long::sum);
                }
            }
        }
        total.forEach((k, v) -> out.put(k, v / (k.equals(TEST_CROPS) ? testStudies : studies)));
        return out;
    }

    private static final String TEST_CROPS = "crops (test set)";

    /** The bytes of one (fold, seed) run of each model, averaged over its runs: checkpoints and final weights. */
    private static Map<String, Long> bytesPerRun(Path work) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        Path runs = work.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return out;
        }
        Map<String, long[]> sums = new LinkedHashMap<>(); // model → bytes, runs
        try (Stream<Path> s = Files.walk(runs)) {
            for (Path seed : s.filter(p -> p.getFileName().toString().startsWith("seed") && Files.isDirectory(p))
                    .toList()) {
                Path rel = runs.relativize(seed); // EXP/fold0/seed0 or EXP/MODEL/fold0/seed0
                String model = rel.getNameCount() == 3 ? "bbox" : rel.getName(1).toString();
                long bytes;
                try (Stream<Path> files = Files.walk(seed)) {
                    bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
                }
                long[] acc = sums.computeIfAbsent(model, k -> new long[2]);
                acc[0] += bytes;
                acc[1]++;
            }
        }
        sums.forEach((k, v) -> out.put(k, v[0] / v[1]));
        return out;
    }

    // --- printing and projecting ---

    private void printTable(Size n, Size n2) {
        out.printf(Locale.ROOT, "%nresident memory with a %s heap touched at start; live heap: the most left after a "
                + "garbage collection%n", options.heap());
        out.printf(Locale.ROOT, "%-22s | %9s %9s %6s | %10s %10s %6s | %9s %9s %6s | %10s %10s %6s%n", "stage (config="
                + options.config() + ")", "s @" + n.studies(), "s @" + n2.studies(), "2N/N", "RSS @" + n.studies(),
                "RSS @" + n2.studies(), "2N/N", "live @" + n.studies(), "live @" + n2.studies(), "2N/N", "items/s",
                "items/s", "");
        for (int i = 0; i < n.stages().size(); i++) {
            Stage a = n.stages().get(i);
            Stage b = n2.stages().get(i);
            out.printf(Locale.ROOT, "%-22s | %9.1f %9.1f %6.2f | %,10d %,10d %6.2f | %,9d %,9d %6.2f | %10.1f %10.1f %s%n",
                    a.stage(), a.seconds(), b.seconds(), b.seconds() / a.seconds(), a.peakResidentMiB(),
                    b.peakResidentMiB(), (double) b.peakResidentMiB() / a.peakResidentMiB(), a.liveHeapMiB(),
                    b.liveHeapMiB(), (double) b.liveHeapMiB() / a.liveHeapMiB(), a.itemsPerSecond(),
                    b.itemsPerSecond(), a.unit());
        }
        out.printf("%nbytes per study of the work folder (%d / %d studies; the test set's per test study):%n",
                n.studies(), n2.studies());
        for (String kind : n2.bytesPerStudy().keySet()) {
            out.printf(Locale.ROOT, "  %-26s %,14d %,14d%n", kind, n.bytesPerStudy().getOrDefault(kind, 0L),
                    n2.bytesPerStudy().get(kind));
        }
        out.printf("bytes per run (fold x seed) of each model, whatever the data's size:%n");
        n2.bytesPerRun().forEach((model, bytes) -> out.printf(Locale.ROOT, "  %-26s %,14d%n", model, bytes));
        out.flush();
    }

    /**
     * The competition's data on this machine with default.yaml, stage by stage from the 2N run: stages that read
     * every slice scale with slices, per-study stages with studies; the trainings by their measured samples per
     * second times the samples default.yaml trains (every fold × seed, every epoch, whole epochs).
     */
    private Map<String, Object> project(Size m) throws IOException {
        Map<String, Object> stages = new LinkedHashMap<>();
        double perSlice = (double) COMPETITION_SLICES / m.slices();
        Path work = options.dir().resolve("n" + m.studies()).resolve("work");
        ExperimentConfig c = ConfigLoader.load(options.config());
        for (Stage s : m.stages()) {
            double seconds;
            String basis;
            switch (s.stage()) {
                case "prepare" -> {
                    seconds = s.seconds() * perSlice;
                    basis = "slices";
                }
                case "infer-bbox" -> {
                    int seeds = defaults.bbox().seeds().size();
                    seconds = s.seconds() * perSlice * seeds / Math.max(1, c.bbox().seeds().size());
                    basis = "triplets, × " + seeds + " seeds per fold";
                }
                case "infer-bbox (test)" -> {
                    seconds = s.seconds() * TEST_SLICES / m.testSlices() * defaults.bbox().seeds().size();
                    basis = "test triplets, × the all-data runs' " + defaults.bbox().seeds().size() + " seeds";
                }
                case "infer-fracture (test)" -> {
                    seconds = s.seconds() * TEST_STUDIES / m.testStudies()
                            * studyModels(defaults) / Math.max(1, studyModels(c));
                    basis = "test studies, × " + studyModels(defaults) + " study models";
                }
                case "train-bbox" -> {
                    seconds = trainingSeconds(work, c, "", COMPETITION_SEGMENTED);
                    basis = "samples/s of the capped run × default.yaml's samples (segmented studies, every run)";
                }
                case "train-fracture" -> {
                    double crops = s.steps().getOrDefault("studyCrops", 0.0) * perSlice;
                    double embeddings = s.steps().getOrDefault("embeddings", 0.0) * COMPETITION_STUDIES / m.studies()
                            * defaults.fracture().sliceFracture().folds().size();
                    seconds = crops + embeddings + trainingSeconds(work, c, "vertebra", COMPETITION_SEGMENTED)
                            + trainingSeconds(work, c, "slice_fracture", COMPETITION_STUDIES)
                            + trainingSeconds(work, c, "study", COMPETITION_STUDIES);
                    basis = "crops by slices, embeddings by studies, the three models by samples/s × default.yaml's "
                            + "samples";
                }
                default -> {
                    seconds = s.seconds() * COMPETITION_STUDIES / m.studies();
                    basis = "studies";
                }
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("hours", seconds / 3600);
            e.put("scales_with", basis);
            e.put("peak_resident_mib_at_2N", s.peakResidentMiB());
            e.put("live_heap_mib_at_2N", s.liveHeapMiB());
            stages.put(s.stage(), e);
        }
        Map<String, Object> disk = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : m.bytesPerStudy().entrySet()) {
            int per = e.getKey().equals(TEST_CROPS) ? TEST_STUDIES : COMPETITION_STUDIES;
            disk.put(e.getKey(), gigabytes(e.getValue() * (double) per));
        }
        double models = 0;
        for (Map.Entry<String, Long> e : m.bytesPerRun().entrySet()) {
            models += e.getValue() * (double) defaultRuns(e.getKey());
        }
        disk.put("models and checkpoints", gigabytes(models) + ", default.yaml's runs");
        Map<String, Object> out2 = new LinkedHashMap<>();
        out2.put("training_studies", COMPETITION_STUDIES);
        out2.put("training_slices", COMPETITION_SLICES);
        out2.put("test_studies", TEST_STUDIES);
        out2.put("stages", stages);
        out2.put("disk", disk);
        out.printf("%nthe competition's data on this machine (default.yaml; %d training studies, %,d slices, %d test "
                + "studies):%n", COMPETITION_STUDIES, COMPETITION_SLICES, TEST_STUDIES);
        stages.forEach((k, v) -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> e = (Map<String, Object>) v;
            out.printf(Locale.ROOT, "  %-22s %10.1f h   (%s)%n", k, (double) e.get("hours"), e.get("scales_with"));
        });
        disk.forEach((k, v) -> out.printf("  disk: %-26s %s%n", k, v));
        out.flush();
        return out2;
    }

    /**
     * Hours of a model's whole training with default.yaml on {@code studies} studies: the capped run's samples per
     * second (metrics.csv's images_per_second, every run's last epoch) times the samples default.yaml trains: per
     * study the rehearsal's whole-epoch samples (of_train_batches × batch ÷ training studies), × epochs, × runs
     * (fold runs on 4/5 of the studies, all-data runs on all of them).
     */
    private double trainingSeconds(Path work, ExperimentConfig c, String model, int studies) throws IOException {
        double rate = 0;
        double samplesPerStudy = 0;
        int runs = 0;
        int batch = model.isEmpty() ? c.bbox().batchSize() : settings(c, model).batchSize();
        int trainStudies = trainingStudies(work, model);
        for (Path metrics : metricsFiles(work, c.name(), model)) {
            List<EpochRow> rows = epochs(metrics);
            if (rows.isEmpty()) {
                continue;
            }
            EpochRow last = rows.get(rows.size() - 1);
            rate += last.samplesPerSecond();
            samplesPerStudy += (double) last.ofTrainBatches() * batch / Math.max(1, trainStudies);
            runs++;
        }
        if (runs == 0 || rate == 0) {
            return 0;
        }
        rate /= runs;
        samplesPerStudy /= runs;
        List<Integer> folds = model.isEmpty() ? defaults.bbox().folds() : settings(defaults, model).folds();
        int seeds = model.isEmpty() ? defaults.bbox().seeds().size() : settings(defaults, model).seeds().size();
        int epochs = model.isEmpty() ? defaults.bbox().epochs() : settings(defaults, model).epochs();
        double studyRuns = folds.stream().mapToDouble(f -> f == -1 ? 1.0 : 0.8).sum() * seeds;
        return samplesPerStudy * studies * studyRuns * epochs / rate;
    }

    private static String gigabytes(double bytes) {
        return String.format(Locale.ROOT, "%.1f GB (%.1f %% of the dataset's %.0f GB)", bytes / 1e9,
                100 * bytes / 1e9 / DATASET_GB, DATASET_GB);
    }

    /** The (fold, seed) runs default.yaml trains of a model. */
    private int defaultRuns(String model) {
        if (model.equals("bbox")) {
            return defaults.bbox().folds().size() * defaults.bbox().seeds().size();
        }
        if (model.equals("slice_image")) {
            return defaults.fracture().sliceImage().folds().size() * defaults.fracture().sliceImage().seeds().size();
        }
        SequenceModel m = settings(defaults, model);
        return m.folds().size() * m.seeds().size();
    }

    /** The studies a rehearsal run of a model trained on: the segmented ones for the box localiser and M2. */
    private static int trainingStudies(Path work, String model) throws IOException {
        WorkLayout w = new WorkLayout(work);
        Path labels = model.isEmpty() ? w.bboxLabels() : model.equals("vertebra") ? w.imageLevelLabels() : w.folds();
        java.util.Set<String> uids = new java.util.HashSet<>();
        if (labels.toString().endsWith(".gz")) {
            for (List<String> row : org.rsna22.dataset.CsvFiles.readGz(labels)) {
                uids.add(row.get(0));
            }
        } else {
            Files.readAllLines(labels).stream().skip(1).forEach(l -> uids.add(l.split(",")[0]));
        }
        return uids.size();
    }

    private static SequenceModel settings(ExperimentConfig c, String model) {
        return switch (model) {
            case "vertebra" -> c.fracture().vertebra();
            case "slice_fracture" -> c.fracture().sliceFracture();
            default -> c.fracture().study();
        };
    }

    private static int studyModels(ExperimentConfig c) {
        return c.fracture().study().folds().size() * c.fracture().study().seeds().size();
    }

    private static List<Path> metricsFiles(Path work, String experiment, String model) throws IOException {
        Path dir = new WorkLayout(work).runs(experiment);
        Path base = model.isEmpty() ? dir : dir.resolve(model);
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(base, 3)) {
            String name = new WorkLayout(work).run(experiment, 0, 0).metrics().getFileName().toString();
            return s.filter(p -> p.getFileName().toString().equals(name))
                    .filter(p -> !model.isEmpty() || base.relativize(p).getName(0).toString().startsWith("fold"))
                    .sorted().toList();
        }
    }

    /** What bench scale reads of a metrics.csv row. */
    private record EpochRow(int trainBatches, int ofTrainBatches, double samplesPerSecond) {
    }

    private static List<EpochRow> epochs(Path metrics) throws IOException {
        List<String> lines = Files.readAllLines(metrics);
        List<String> header = List.of(lines.get(0).split(","));
        int rate = header.indexOf("images_per_second");
        int trained = header.indexOf("limit_train_batches");
        int of = header.indexOf("of_train_batches");
        List<EpochRow> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            int batches = trained < 0 ? 0 : Integer.parseInt(f[trained]);
            rows.add(new EpochRow(batches, of < 0 ? batches : Integer.parseInt(f[of]), Double.parseDouble(f[rate])));
        }
        return rows;
    }

    /** The slices of every training crop, from the crops' headers. */
    private long cropSlices(Path work) throws IOException {
        ExperimentConfig c = ConfigLoader.load(options.config());
        Path dir = new WorkLayout(work).crops(c.fracture().cropSize());
        long n = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                n += org.rsna22.fracture.StudyCrop.readSlices(f);
            }
        }
        return n;
    }

    private static long countSlices(Path images) throws IOException {
        try (Stream<Path> s = Files.walk(images, 2)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".dcm")).count();
        }
    }

    // --- native memory over a long inference ---

    /** The live native memory infer-bbox logs after each study at DEBUG (StudyPredictor). */
    private static final Pattern ALLOCATED = Pattern.compile("allocated (\\d+) MiB \\(([a-z]+)\\)");

    /**
     * infer-bbox over at least {@code leakTriplets} triplets (the 2N studies again and again, as hard links under new
     * UIDs) with the 2N run's models, the process's resident memory sampled every second: the peak of each tenth of the
     * run, the last against the second (the first loads the models).
     */
    private Map<String, Object> leakCheck(int studies2N) throws Exception {
        Path root = options.dir().resolve("n" + studies2N);
        Path images = root.resolve("data").resolve("train_images");
        Path leak = root.resolve("leak-test");
        AtomicFiles.deleteTree(leak);
        List<Path> studies;
        try (Stream<Path> s = Files.list(images)) {
            studies = s.sorted().toList();
        }
        long triplets = 0;
        int copy = 0;
        while (triplets < options.leakTriplets()) {
            for (Path study : studies) {
                String uid = "1.2.826.0.1.3680043." + (900000 + copy);
                Path to = Files.createDirectories(leak.resolve("test_images").resolve(uid));
                long n = 0;
                try (Stream<Path> files = Files.list(study)) {
                    for (Path f : files.toList()) {
                        Files.createLink(to.resolve(f.getFileName()), f);
                        n++;
                    }
                }
                triplets += n - 2;
                copy++;
                if (triplets >= options.leakTriplets()) {
                    break;
                }
            }
        }
        out.printf("%nnative memory: infer-bbox over %,d triplets (%d studies) in one process%n", triplets, copy);
        out.flush();
        Path log = root.resolve("logs").resolve("leak-infer-bbox.log");
        long t0 = System.nanoTime();
        // the whole heap committed and touched from the start: what the resident set gains is native memory
        // a job database of its own: the check runs again on the same work folder whenever it is asked for
        Path db = root.resolve("leak-db");
        AtomicFiles.deleteTree(db);
        Process p = ChildJvm.start(List.of(), heapOptions(), Map.of(), jar.toString(), log, List.of("run", "infer-bbox",
                "data=" + leak, "work=" + root.resolve("work"), "config=" + options.config(), "--rsna22.db-dir=" + db,
                "--no-web", "--logging.level.org.rsna22.native-memory=DEBUG"));
        List<double[]> samples = new ArrayList<>(); // seconds, MiB
        while (p.isAlive()) {
            long rss = ProcessMemory.resident(p.pid());
            if (rss > 0) {
                samples.add(new double[] {(System.nanoTime() - t0) / 1e9, rss / 1048576.0});
            }
            Thread.sleep(1000);
        }
        if (p.exitValue() != 0 || samples.size() < 20) {
            throw new IllegalStateException("the leak check's infer-bbox ended with exit code " + p.exitValue() + "; see "
                    + log);
        }
        // Resident memory rises and falls with every batch (DJL frees a batch's arrays, and malloc gives much of it
        // back), by as much as half of it: one sample against another says nothing. What must not grow is the
        // envelope, the most resident in each tenth of the run; the first tenth loads the models and is the start.
        double end = samples.get(samples.size() - 1)[0];
        double[] peaks = new double[10];
        for (double[] sample : samples) {
            int tenth = Math.min(9, (int) (sample[0] / end * 10));
            peaks[tenth] = Math.max(peaks[tenth], sample[1]);
        }
        double second = peaks[1];
        double lastTenth = peaks[9];
        double max = samples.stream().mapToDouble(x -> x[1]).max().orElse(0);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("triplets", triplets);
        r.put("seconds", end);
        r.put("peak_resident_mib_per_tenth", Arrays.stream(peaks).map(Math::rint).toArray());
        r.put("last_tenth_over_second_tenth", lastTenth / second);
        r.put("resident_mib_max", max);
        r.put("samples_seconds_mib", samples.stream().map(x -> new double[] {Math.rint(x[0] * 10) / 10, Math.rint(x[1])})
                .toList());
        out.printf(Locale.ROOT, "  peak resident memory in each tenth of the run (MiB): %s%n", Arrays.stream(
                peaks).mapToObj(x -> String.format(Locale.ROOT, "%,.0f", x)).collect(Collectors.joining(" ")));
        out.printf(Locale.ROOT, "  last tenth against the second: %.3f×; largest %.0f MiB; %.0f s, %.1f triplets/s%n",
                lastTenth / second, max, end, triplets / end);
        // what is live: the allocator's own count after each study (a leak grows it; a reserve only the resident set)
        List<Long> allocated = new ArrayList<>();
        Matcher live = ALLOCATED.matcher(Files.readString(log));
        String allocator = "";
        while (live.find()) {
            allocated.add(Long.parseLong(live.group(1)));
            allocator = live.group(2);
        }
        if (allocated.size() >= 10) {
            int t = allocated.size() / 10;
            double liveSecond = allocated.subList(t, 2 * t).stream().mapToLong(Long::longValue).average().orElse(0);
            double liveLast = allocated.subList(allocated.size() - t, allocated.size()).stream()
                    .mapToLong(Long::longValue).average().orElse(0);
            r.put("allocator", allocator);
            r.put("allocated_mib_after_each_study", allocated);
            r.put("allocated_last_tenth_over_second_tenth", liveLast / liveSecond);
            out.printf(Locale.ROOT, "  live native memory (%s's count after each of %d studies): second tenth %.0f MiB, "
                    + "last tenth %.0f MiB: %.3f×%n", allocator, allocated.size(), liveSecond, liveLast,
                    liveLast / liveSecond);
        }
        out.flush();
        AtomicFiles.deleteTree(leak);
        return r;
    }

    // --- prepare against the original's header pass ---

    /**
     * {@code run prepare} on full-size studies, start-up included, against the original's pydicom header loop
     * (bench/original_slice_meta.py, Debian's python3, interpreter start and imports included) over the same files.
     */
    private Map<String, Object> prepareAgainstPydicom(int studies) throws Exception {
        Path root = options.dir().resolve("prepare" + studies);
        Path data = root.resolve("data");
        if (!Files.isRegularFile(data.resolve("train.csv"))) {
            out.printf("%ngenerating %d full-size studies in %s%n", studies, data);
            out.flush();
            AtomicFiles.deleteTree(data);
            new DemoDatasetGenerator(DemoDatasetGenerator.Options.fullSize(studies, 7000 + studies, 2))
                    .generate(data, null);
        }
        long slices = countSlices(data.resolve("train_images"));
        AtomicFiles.deleteTree(root.resolve("work"));
        AtomicFiles.deleteTree(root.resolve("db"));
        Files.createDirectories(root.resolve("logs"));
        long t0 = System.nanoTime();
        Process p = ChildJvm.start(jar, root.resolve("logs").resolve("prepare.log"), "run", "prepare", "data=" + data,
                "work=" + root.resolve("work"), "config=" + options.config(), "--rsna22.db-dir=" + root.resolve("db"),
                "--no-web");
        if (p.waitFor() != 0) {
            throw new IllegalStateException("prepare failed; see " + root.resolve("logs").resolve("prepare.log"));
        }
        double ours = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("studies", studies);
        r.put("slices", slices);
        r.put("run_prepare_seconds", ours);
        for (String line : Files.readString(root.resolve("logs").resolve("prepare.log")).split("\n")) {
            Matcher m = STEP.matcher(line);
            if (m.find() && m.group(1).equals("sliceMetadata")) {
                double rate = slices / Math.max(0.05, Double.parseDouble(m.group(2)));
                r.put("slice_metadata_slices_per_second", rate);
                out.printf(Locale.ROOT, "%nsliceMetadata on %d full-size studies: %,.0f slices/s%n", studies, rate);
            }
        }
        Path script = Path.of("bench", "original_slice_meta.py");
        if (Files.isRegularFile(script) && Files.isExecutable(PythonPeer.PYTHON)) {
            long t1 = System.nanoTime();
            Process py = new ProcessBuilder(PythonPeer.PYTHON.toString(), script.toString(), data.toString(),
                    Long.toString(slices)).redirectErrorStream(true)
                    .redirectOutput(root.resolve("logs").resolve("pydicom.log").toFile()).start();
            if (py.waitFor() != 0) {
                throw new IllegalStateException("the pydicom pass failed; see " + root.resolve("logs"));
            }
            double theirs = (System.nanoTime() - t1) / 1e9;
            r.put("pydicom_header_pass_seconds", theirs);
            r.put("speedup", theirs / ours);
            out.printf(Locale.ROOT, "%nrun prepare on %d full-size studies (%,d slices): %.1f s, start-up included; "
                    + "the original's pydicom header pass over the same files: %.1f s (%.2fx)%n", studies, slices, ours,
                    theirs, theirs / ours);
        } else {
            out.printf(Locale.ROOT, "%nrun prepare on %d full-size studies (%,d slices): %.1f s; no pydicom pass "
                    + "(needs bench/original_slice_meta.py and %s with python3-pydicom)%n", studies, slices, ours,
                    PythonPeer.PYTHON);
        }
        out.flush();
        return r;
    }

    /** The report as JSON. */
    public static String json(Map<String, Object> report) {
        return JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(report);
    }
}
