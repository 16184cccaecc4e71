package org.rsna22.config;

import java.util.List;

/**
 * The fracture models of SPEC §6-8 (config section {@code fracture}): study crops, the sequence networks of the
 * vertebra-share model (M2) and the slice-fracture model (M3), and the study classifier (M4).
 */
public record FractureConfig(int cropSize, int cropMargin, double windowLevel, double windowWidth,
                             int imagesPerWindow, int studiesPerPartition, int threads, String backbone,
                             String torchscriptPath, List<Double> mean, List<Double> std, int width,
                             int stemStride, String pool, int lstm, int studyLstm, int maxStudyLength, SequenceModel vertebra,
                             SequenceModel sliceFracture, SequenceModel study, boolean boxLabels,
                             int imageSlices, String augment, int testTimeTurns, double imageLossWeight,
                             double imageMilWeight, int pseudoBoxRounds, String studyInputs, String studyShares,
                             String studyModel, String studyScores, int imagePretrainEpochs, int imagePretrainBatchSize, String windowScaling,
                             String init, Concurrency parallelRuns) {

    /** ImageNet's per-channel mean and standard deviation: what pretrained TorchScript backbones expect by default. */
    public static final List<Double> IMAGENET_MEAN = List.of(0.485, 0.456, 0.406);
    public static final List<Double> IMAGENET_STD = List.of(0.229, 0.224, 0.225);

    /** Narrower backbones trip the engine: see {@link #WIDTH_REASON}. */
    public static final int MIN_WIDTH = 16;
    /** Self-training rounds the train-fracture job has steps for (fracture.pseudo_box_rounds). */
    public static final int MAX_PSEUDO_BOX_ROUNDS = 2;
    static final String WIDTH_REASON = ": with 8 filters in the first convolution, PyTorch 2.5.1 on CPU (DJL 0.33) "
            + "returns NaN gradients for that layer after a few steps, at any learning rate";

    public FractureConfig {
        ConfigChecks.require(cropSize >= 16, "fracture.crop_size must be at least 16");
        ConfigChecks.require(cropMargin >= 0, "fracture.crop_margin must not be negative");
        ConfigChecks.require(imagesPerWindow >= 2, "fracture.images_per_window must be at least 2");
        ConfigChecks.require(studiesPerPartition >= 1 && threads >= 1,
                "fracture.studies_per_partition and fracture.threads must be at least 1");
        ConfigChecks.require(List.of("resnet", "efficientnet", "plain", "torchscript").contains(backbone),
                "fracture.backbone must be resnet, efficientnet, plain or torchscript, not " + backbone);
        ConfigChecks.require(!backbone.equals("torchscript") || (torchscriptPath != null && !torchscriptPath.isBlank()),
                "fracture.backbone torchscript needs fracture.torchscript_path (a file of bench/export_backbone.py)");
        ConfigChecks.require(mean != null && std != null && (mean.isEmpty() && std.isEmpty()
                        || mean.size() == 3 && std.size() == 3 && std.stream().allMatch(v -> v > 0)),
                "fracture.mean and fracture.std need 3 values each (std above 0), or none: [] for the backbone's default");
        ConfigChecks.require(imageSlices == 1 || imageSlices == 3, "fracture.image_slices must be 3 or 1");
        ConfigChecks.require(List.of("flip", "dihedral").contains(augment),
                "fracture.augment must be flip or dihedral, not " + augment);
        ConfigChecks.require(List.of(1, 2, 4, 8).contains(testTimeTurns),
                "fracture.test_time_turns must be 1, 2, 4 or 8, not " + testTimeTurns);
        ConfigChecks.require(testTimeTurns == 1 || "scores".equals(studyInputs),
                "fracture.test_time_turns averages the scores the study model reads: it needs study_inputs: scores");
        ConfigChecks.require(testTimeTurns <= 2 || "dihedral".equals(augment),
                "fracture.test_time_turns above 2 shows the slice models images turned in ways they were not trained "
                        + "on: it needs augment: dihedral (augment: flip trains mirrors only: test_time_turns 1 or 2)");
        ConfigChecks.require(stemStride == 1 || stemStride == 2, "fracture.stem_stride must be 1 or 2");
        ConfigChecks.require(study == null || study.stemStride() == 0,
                "fracture.study.stem_stride must be 0: the study model reads scores or features, it has no backbone");
        ConfigChecks.require(List.of("avg", "max").contains(pool), "fracture.pool must be avg or max");
        ConfigChecks.require(imageLossWeight >= 0, "fracture.image_loss_weight must not be negative");
        ConfigChecks.require(imageMilWeight >= 0, "fracture.image_mil_weight must not be negative");
        ConfigChecks.require(imageMilWeight == 0 || boxLabels && imageLossWeight > 0,
                "fracture.image_mil_weight teaches M3's crack head from the fractured studies without crack boxes: it "
                        + "needs box_labels: true and image_loss_weight above 0");
        ConfigChecks.require(pseudoBoxRounds >= 0 && pseudoBoxRounds <= MAX_PSEUDO_BOX_ROUNDS,
                "fracture.pseudo_box_rounds must be 0 to " + MAX_PSEUDO_BOX_ROUNDS + ", not " + pseudoBoxRounds);
        ConfigChecks.require(pseudoBoxRounds == 0 || boxLabels && imageLossWeight > 0,
                "fracture.pseudo_box_rounds locates the cracks of the fractured studies without crack boxes with M3's "
                        + "crack head: it needs box_labels: true and image_loss_weight above 0");
        ConfigChecks.require(List.of("features", "scores").contains(studyInputs),
                "fracture.study_inputs must be features or scores");
        ConfigChecks.require(List.of("m3", "m2").contains(studyShares), "fracture.study_shares must be m3 or m2");
        ConfigChecks.require(!"m2".equals(studyShares) || "scores".equals(studyInputs) && imageLossWeight > 0,
                "fracture.study_shares: m2 needs study_inputs: scores and an image head (image_loss_weight above 0)");
        ConfigChecks.require(List.of("lstm", "max", "max_shared").contains(studyModel),
                "fracture.study_model must be lstm, max or max_shared, not " + studyModel);
        ConfigChecks.require("lstm".equals(studyModel) || "m2".equals(studyShares),
                "fracture.study_model: " + studyModel + " reads the image head times M2's shares: it needs "
                        + "study_shares: m2");
        ConfigChecks.require(List.of("raw", "quantile").contains(studyScores),
                "fracture.study_scores must be raw or quantile, not " + studyScores);
        ConfigChecks.require(!"quantile".equals(studyScores) || !"lstm".equals(studyModel)
                        && !study.folds().contains(-1) && sliceFracture.folds().containsAll(study.folds()),
                "fracture.study_scores: quantile places each score among the maxima that the M3 of a fold gave the "
                        + "training studies of that fold: it needs study_model: max or max_shared, "
                        + "fracture.study.folds without -1 (an all-data run has no out-of-fold studies) and an M3 per "
                        + "study fold (slice_fracture.folds " + sliceFracture.folds() + " must hold every fold of "
                        + "study.folds " + study.folds() + ")");
        ConfigChecks.require(!"m2".equals(studyShares) || vertebra.folds().containsAll(sliceFracture.folds()),
                "fracture.study_shares: m2 reads, beside each M3, the M2 of the same fold: fracture.vertebra.folds "
                        + vertebra.folds() + " must hold every fold of fracture.slice_fracture.folds " + sliceFracture.folds());
        ConfigChecks.require(!vertebra.folds().isEmpty() && !sliceFracture.folds().isEmpty()
                && !study.folds().isEmpty(), "fracture model settings: folds must not be empty");
        ConfigChecks.require(List.of("minmax", "fixed").contains(windowScaling),
                "fracture.window_scaling must be minmax or fixed");
        ConfigChecks.require(List.of("djl", "pytorch").contains(init), "fracture.init must be djl or pytorch");
        ConfigChecks.require(imagePretrainEpochs >= 0 && imagePretrainBatchSize >= 1,
                "fracture.image_pretrain_epochs must not be negative and image_pretrain_batch_size must be at least 1");
        ConfigChecks.require(imagePretrainEpochs == 0 || imageLossWeight > 0,
                "fracture.image_pretrain_epochs trains M3's per-image crack head: set fracture.image_loss_weight above 0");
        ConfigChecks.require(torchScript() || width >= MIN_WIDTH,
                "fracture.width must be at least " + MIN_WIDTH + WIDTH_REASON);
        ConfigChecks.require(lstm >= 4 && studyLstm >= 4 && maxStudyLength >= 2,
                "fracture.lstm and study_lstm must be at least 4 and max_study_length at least 2");
    }

    /** Whether the slice models' CNN is a backbone exported from Python ({@code torchscript_path}). */
    public boolean torchScript() {
        return "torchscript".equals(backbone);
    }

    /**
     * The per-channel mean and standard deviation that windowed images (0..1) are normalised with before the CNN:
     * {@code mean} and {@code std} when set; else ImageNet's for a TorchScript backbone (pretrained networks expect
     * them) and none (null) for the built-in ones, which train from scratch on the windowed values.
     */
    public List<List<Double>> normalisation() {
        if (!mean.isEmpty()) {
            return List.of(mean, std);
        }
        return torchScript() ? List.of(IMAGENET_MEAN, IMAGENET_STD) : null;
    }

    /** Whether the slice models' training images take any of the square's 8 symmetries rather than a mirror. */
    public boolean dihedral() {
        return "dihedral".equals(augment);
    }

    /** Whether the slice-fracture model (M3) has a per-image crack head on its CNN features. */
    public boolean imageHead() {
        return imageLossWeight > 0;
    }

    /**
     * Whether the study model reads M3's per-image scores (its 15 sequence outputs and the image head's, as
     * probabilities, each study's by the M3 that did not train on it) instead of its CNN features.
     */
    public boolean studyReadsScores() {
        return "scores".equals(studyInputs);
    }

    /**
     * Whether the study model reads the vertebra shares of every image from M2 itself (the M2 of the fold whose M3
     * scored the image), and the image head's score times each share, rather than M3's vertebra outputs.
     */
    public boolean studySharesFromM2() {
        return "m2".equals(studyShares);
    }

    /**
     * Whether the study model reads every score as its quantile among the study maxima that the same M3 gave the
     * training studies it scored out of fold, rather than as the probability itself.
     */
    public boolean quantileScores() {
        return "quantile".equals(studyScores);
    }

    /**
     * Whether the study model is {@code PooledStudyNet} (per label the maximum over images of one score, scaled)
     * rather than the LSTM of SPEC §8.
     */
    public boolean pooledStudyModel() {
        return !"lstm".equals(studyModel);
    }

    /**
     * With the pooled study model, whether the seven vertebrae share one scale and each also reads patient_overall's
     * score ({@code max_shared}) rather than each label having a scale of its own ({@code max}).
     */
    public boolean sharedStudyScale() {
        return "max_shared".equals(studyModel);
    }

    /** Whether each windowed slice is scaled by its own minimum and maximum (SPEC §6) rather than the window's. */
    public boolean perSliceMinMax() {
        return "minmax".equals(windowScaling);
    }

    /** Whether M3 starts from a network first trained on single slices drawn across studies. */
    public boolean imagePretraining() {
        return imagePretrainEpochs > 0;
    }

    /**
     * The image pretraining's settings: its own epochs and batch size (in slices), the rest, folds and seeds those of
     * the slice-fracture model that it starts.
     */
    public SequenceModel sliceImage() {
        SequenceModel m = sliceFracture;
        return new SequenceModel(Math.max(1, imagePretrainEpochs), imagePretrainBatchSize, m.lr(), m.weightDecay(),
                m.warmup(), m.schedule(), m.nonzeroWeight(), imagePretraining() ? m.folds() : List.of(), m.seeds(),
                m.limitTrainBatches(), m.limitValBatches(), 0, m.validateEvery(), m.stemStride());
    }

    /**
     * The stride of the first convolution of a slice model's backbone: the model's own {@code stem_stride}, or
     * {@code fracture.stem_stride} where that is 0.
     */
    public int stemStride(SequenceModel m) {
        return m.stemStride() > 0 ? m.stemStride() : stemStride;
    }

    /**
     * Whether the slice models' weights start as PyTorch's layers start theirs (uniform within ±1/√fan_in) rather
     * than with DJL's default (normal, standard deviation √(2/fan_in)).
     */
    public boolean pytorchInit() {
        return "pytorch".equals(init);
    }

    /** Whether the backbone ends with global max pooling rather than the average. */
    public boolean maxPool() {
        return "max".equals(pool);
    }

    /** The training settings of one of the three models, and its runs (folds × seeds; fold -1 = all data). */
    public record SequenceModel(int epochs, int batchSize, double lr, double weightDecay, double warmup,
                                String schedule, double nonzeroWeight, List<Integer> folds, List<Integer> seeds,
                                BatchLimit limitTrainBatches, BatchLimit limitValBatches, int minSteps,
                                int validateEvery, int stemStride) {
        public SequenceModel {
            ConfigChecks.require(validateEvery >= 1, "fracture model settings: validate_every must be at least 1");
            ConfigChecks.require(stemStride >= 0 && stemStride <= 2,
                    "fracture model settings: stem_stride must be 1 or 2, or 0 for fracture.stem_stride");
            ConfigChecks.require(limitTrainBatches.apply(1) >= 1,
                    "fracture model settings: limit_train_batches must train at least one batch");
            ConfigChecks.require(epochs >= 1 && batchSize >= 1 && lr > 0 && !seeds.isEmpty(),
                    "fracture model settings: epochs, batch_size, lr and seeds must be set");
            ConfigChecks.require(minSteps >= 0, "fracture model settings: min_steps must not be negative");
            ConfigChecks.require(nonzeroWeight >= 1, "fracture model settings: nonzero_weight must be at least 1");
            ConfigChecks.require(List.of("cosine", "constant").contains(schedule),
                    "fracture model settings: schedule must be cosine or constant");
        }

        /** Whether the learning rate decays along a cosine after the warm-up (SPEC §4) rather than staying at lr. */
        public boolean cosine() {
            return "cosine".equals(schedule);
        }
    }
}
