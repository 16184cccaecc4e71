package org.rsna22.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The one owner of the work folder's names: every output (DESIGN.md's contract), part folder, run folder and
 * cache. Every other class asks it for a path; none spells a file name of its own.
 */
public record WorkLayout(Path root) {

    /** The training set's outputs are called train_..., a test set's test_... */
    public enum Subset {
        TRAIN("train_"), TEST("test_");

        private final String prefix;

        Subset(String prefix) {
            this.prefix = prefix;
        }

        public String prefix() {
            return prefix;
        }
    }

    private static final String PARTS = "parts";
    private static final String PART_SUFFIX = ".csv";
    private static final String SKIPPED_PART_SUFFIX = ".skipped.csv";

    public static WorkLayout of(String work) {
        return new WorkLayout(Path.of(work));
    }

    // --- prepare (SPEC §3) ---

    public Path folds() {
        return root.resolve("train_folded_v01.csv");
    }

    public Path sliceMeta() {
        return root.resolve("slice_meta_v01.csv.gz");
    }

    public Path bboxLabels() {
        return root.resolve("train_bbox_v01.csv.gz");
    }

    public Path allSlices() {
        return root.resolve("train_all_slices_v01.csv.gz");
    }

    /** The resolved config of the experiment whose outputs the folder holds (the last one that ran a job here). */
    public Path config() {
        return root.resolve("config.yaml");
    }

    /** The lock a running job holds on the work folder (its owner's host and pid inside). */
    public Path lock() {
        return root.resolve("job.lock");
    }

    /** Every item skipped by any step: step, StudyInstanceUID, slice_number, reason. */
    public Path skipped() {
        return root.resolve("skipped.csv");
    }

    /** The prepare job's intermediate files (the admitted studies, part folders); replaced on each fresh run. */
    public Path prepareParts() {
        return parts("prepare");
    }

    /** Part folder of one of prepare's partitioned steps. */
    public Path preparePartDir(String step) {
        return prepareParts().resolve(step);
    }

    /** The studies admitted by prepare's studyList step. */
    public Path preparedStudies() {
        return prepareParts().resolve("studies.csv");
    }

    public Path studyListSkipped() {
        return prepareParts().resolve("studyList.skipped.csv");
    }

    // --- infer-bbox (SPEC §5) ---

    /** Per middle slice: p_has_box and the box ÷ size. */
    public Path bboxSlicePred(Subset subset) {
        return root.resolve(subset.prefix() + "bbox_slice_pred_v02.csv.gz");
    }

    /** Per study: the box and the slice range. */
    public Path bboxPred(Subset subset) {
        return root.resolve(subset.prefix() + "bbox_pred_v02.csv.gz");
    }

    /** Part files of infer-bbox's per-slice predictions (and skips) of the training or a test set. */
    public Path inferBboxParts(Subset subset) {
        return parts("infer-bbox").resolve(subset.name().toLowerCase(Locale.ROOT));
    }

    // --- train-fracture (SPEC §6-8) ---

    /** Per segmented slice: the voxel share of C1..C7 (count ÷ the study's maximum). */
    public Path imageLevelLabels() {
        return root.resolve("train_image_level_v03.csv.gz");
    }

    /** Per cropped slice: M2's vertebra shares and the fracture pseudo-labels. */
    public Path pseudoLabels() {
        return root.resolve("train_image_pseu_v04_crop.csv.gz");
    }

    /**
     * With fracture.pseudo_box_rounds, the crack slices that each fold's crack finder of a self-training round (from 1)
     * located in its unboxed fractured training studies (fold,StudyInstanceUID,slice_number,score).
     */
    public Path pseudoBoxes(int round) {
        return root.resolve("pseudo_boxes_round" + round + ".csv.gz");
    }

    /** Out-of-fold study predictions: StudyInstanceUID, patient_overall, C1..C7. */
    public Path oofStudyPredictions() {
        return root.resolve("oof_study_pred_v01.csv.gz");
    }

    /** The competition metric on the out-of-fold predictions. */
    public Path cvScore() {
        return root.resolve("cv_score.json");
    }

    /** The training studies' crops of one crop size: one HU file per study. */
    public Path crops(int size) {
        return crops(Subset.TRAIN, size);
    }

    public Path crop(int size, String uid) {
        return crop(Subset.TRAIN, size, uid);
    }

    /** The crops of the training set (crops/sizeN) or of a test set (crops/test/sizeN), kept apart. */
    public Path crops(Subset subset, int size) {
        Path crops = root.resolve("crops");
        return (subset == Subset.TEST ? crops.resolve("test") : crops).resolve("size" + size);
    }

    public Path crop(Subset subset, int size, String uid) {
        return crops(subset, size).resolve(uid + ".crop");
    }

    /** Every embedding of an experiment. */
    public Path embeddings(String experiment) {
        return root.resolve("embeddings").resolve(experiment);
    }

    /** Embeddings of every study by the slice-fracture model of one run (its fold's, or all data's). */
    public Path embeddings(String experiment, int fold, int seed) {
        return embeddings(experiment).resolve("fold" + fold).resolve("seed" + seed);
    }

    public Path embedding(String experiment, int fold, int seed, String uid) {
        return embeddings(experiment, fold, seed).resolve(uid + ".emb");
    }

    /** Part folder (skip files) of one of the fracture job's steps. */
    public Path fracturePartDir(String step) {
        return parts("train-fracture").resolve(step);
    }

    // --- infer-fracture and the submission (SPEC §9) ---

    /** row_id,fractured: 8 rows per test study. */
    public Path submission() {
        return root.resolve("submission.csv");
    }

    /** Part folder (per-partition study predictions and skip files) of infer-fracture. */
    public Path inferFractureParts() {
        return parts("infer-fracture");
    }

    // --- the report ---

    /** The report folder: index.html and studies/. */
    public Path report() {
        return root.resolve("report");
    }

    /** One self-contained page: charts and pictures inline. */
    public Path reportIndex() {
        return report().resolve("index.html");
    }

    /** A study's slices in order with its box drawn, as an animation. */
    public Path reportStudyAnimation(String uid) {
        return report().resolve("studies").resolve(uid + ".gif");
    }

    // --- part files of partitioned steps ---

    private Path parts(String job) {
        return root.resolve(PARTS).resolve(job);
    }

    public static String partFileName(String partition, boolean skips) {
        return partition + (skips ? SKIPPED_PART_SUFFIX : PART_SUFFIX);
    }

    /** The part files (or the skip part files) of a part folder, in partition order; none when it is missing. */
    public static List<Path> partFiles(Path partDir, boolean skips) throws IOException {
        if (!Files.isDirectory(partDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(partDir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(PART_SUFFIX) && n.endsWith(SKIPPED_PART_SUFFIX) == skips;
            }).sorted().toList();
        }
    }

    // --- trained models: runs/EXPERIMENT/foldK/seedS ---

    public Path runs(String experiment) {
        return root.resolve("runs").resolve(experiment);
    }

    /** The resolved config an experiment's runs follow: a job whose config differs in a shaping key is refused. */
    public Path experimentConfig(String experiment) {
        return runs(experiment).resolve("config.yaml");
    }

    public RunFolder run(String experiment, int fold, int seed) {
        return new RunFolder(runs(experiment).resolve("fold" + fold).resolve("seed" + seed));
    }

    /** The runs of one of an experiment's models other than the box localiser: runs/EXPERIMENT/MODEL/foldK/seedS. */
    public RunFolder run(String experiment, String model, int fold, int seed) {
        return new RunFolder(runs(experiment).resolve(model).resolve("fold" + fold).resolve("seed" + seed));
    }

    /** The finished runs (those with a final model) of one fold, in seed order. */
    public List<RunFolder> trainedRuns(String experiment, int fold) throws IOException {
        return finished(runs(experiment).resolve("fold" + fold));
    }

    /** The finished runs of one fold of another model than the box localiser, in seed order. */
    public List<RunFolder> trainedRuns(String experiment, String model, int fold) throws IOException {
        return finished(runs(experiment).resolve(model).resolve("fold" + fold));
    }

    /** The finished runs of every fold (fold-1 included), in folder order. */
    public List<RunFolder> allTrainedRuns(String experiment) throws IOException {
        List<RunFolder> out = new ArrayList<>();
        if (Files.isDirectory(runs(experiment))) {
            try (Stream<Path> folds = Files.list(runs(experiment))) {
                for (Path f : folds.filter(f -> f.getFileName().toString().startsWith("fold")).sorted().toList()) {
                    out.addAll(finished(f));
                }
            }
        }
        return out;
    }

    private static List<RunFolder> finished(Path foldDir) throws IOException {
        if (!Files.isDirectory(foldDir)) {
            return new ArrayList<>();
        }
        try (Stream<Path> seeds = Files.list(foldDir)) {
            return new ArrayList<>(seeds.map(RunFolder::new).filter(r -> Files.isDirectory(r.model())).sorted(
                    (a, b) -> a.dir().compareTo(b.dir())).toList());
        }
    }

    /** One (fold, seed) run's folder: resolved config, metrics.csv, checkpoints and the final model. */
    public record RunFolder(Path dir) {

        public Path config() {
            return dir.resolve("config.yaml");
        }

        public Path metrics() {
            return dir.resolve("metrics.csv");
        }

        /** Slices the run could not read (skip records), when there were any. */
        public Path skipped() {
            return dir.resolve("skipped.csv");
        }

        public Path checkpoints() {
            return dir.resolve("checkpoints");
        }

        /** The checkpoint taken after {@code epochs} epochs. */
        public Path checkpoint(int epochs) {
            return checkpoints().resolve(String.format("epoch-%03d", epochs));
        }

        public static boolean isCheckpoint(Path p) {
            return p.getFileName().toString().startsWith("epoch-");
        }

        /** The final weights, written when every epoch is done. */
        public Path model() {
            return dir.resolve("model");
        }
    }
}
