package org.rsna22.config;

import java.util.List;

/** The box localiser (config section {@code bbox}, SPEC §4). */
public record BboxConfig(String backbone, int width, String torchscriptPath, int imageSize,
                         double windowLevel, double windowWidth, List<Double> mean, List<Double> std, int epochs,
                         int batchSize, int valBatchSize, double lr, double weightDecay, double warmup,
                         double boxLossWeight, double hasBoxLossWeight, List<Double> hasBoxClip, AugmentConfig augment,
                         List<Integer> folds, List<Integer> seeds, Concurrency parallelRuns, int prefetchBatches,
                         int loaderThreads, BatchLimit limitTrainBatches, BatchLimit limitValBatches,
                         int validateEvery) {

    public BboxConfig {
        ConfigChecks.require(List.of("resnet", "efficientnet", "torchscript").contains(backbone),
                "bbox.backbone must be resnet, efficientnet or torchscript, not " + backbone);
        ConfigChecks.require(!backbone.equals("torchscript") || (torchscriptPath != null && !torchscriptPath.isBlank()),
                "bbox.backbone torchscript needs bbox.torchscript_path");
        ConfigChecks.require(imageSize >= 16, "bbox.image_size must be at least 16");
        ConfigChecks.require(backbone.equals("torchscript") || width >= FractureConfig.MIN_WIDTH,
                "bbox.width must be at least " + FractureConfig.MIN_WIDTH + FractureConfig.WIDTH_REASON);
        ConfigChecks.require(mean.size() == 3 && std.size() == 3, "bbox.mean and bbox.std need 3 values");
        ConfigChecks.require(epochs >= 1 && batchSize >= 1 && valBatchSize >= 1, "bbox epochs and batch sizes must be positive");
        ConfigChecks.require(hasBoxClip.size() == 2, "bbox.has_box_clip needs 2 values");
        ConfigChecks.require(!folds.isEmpty() && !seeds.isEmpty(), "bbox.folds and bbox.seeds must not be empty");
        ConfigChecks.require(prefetchBatches >= 1 && loaderThreads >= 1,
                "bbox.prefetch_batches and loader_threads must be at least 1");
        ConfigChecks.require(limitTrainBatches.apply(1) >= 1, "bbox.limit_train_batches must train at least one batch");
        ConfigChecks.require(validateEvery >= 1, "bbox.validate_every must be at least 1");
        folds = List.copyOf(folds);
        seeds = List.copyOf(seeds);
    }

    /** Augmentation probabilities and ranges (SPEC §4). */
    public record AugmentConfig(double hflip, double contrast, double contrastP, double shift, double scale,
                                double rotate, double affineP) {
    }
}
