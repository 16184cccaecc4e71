package org.rsna22.training;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.loss.Loss;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.rsna22.dataset.SkipRecord;

/**
 * What one model brings to the shared {@link ModelTrainer}: its network, its loss, its samples (made into batches on
 * loader threads, augmented for training) and its validation metrics. The trainer owns the rest: epochs, order,
 * optimiser, checkpoints, resume, metrics.csv, divergence guard and progress.
 */
public interface TrainingTask {

    /** Names the weight files of checkpoints and of the final model ("bbox", "vertebra", ...). */
    String modelName();

    TrainingSettings settings();

    /** The network, built once per task; a backbone loaded from a file is loaded on {@code device}. */
    Block block(Device device);

    Loss loss();

    /** Shapes of the network's inputs for one sample, with a batch dimension of 1. */
    Shape[] inputShapes();

    int trainSamples();

    int validationSamples();

    /**
     * Samples {@code order[from..to)} as one batch. For training ({@code augment}) the sample at epoch position p
     * draws its augmentation from {@code new Random(seed * 0x9E3779B97F4A7C15L + p)}, so a batch does not depend on
     * which thread builds it; validation batches are built with augment false from the validation samples.
     */
    HostBatch batch(List<Integer> order, int from, int to, long seed, boolean augment) throws IOException;

    /** Column names of the validation metrics in metrics.csv, after val_loss. */
    List<String> validationMetricNames();

    /** A fresh accumulator of the validation metrics over one pass. */
    Validation newValidation();

    /** Collects a validation pass batch by batch and gives the metrics in {@link #validationMetricNames()} order. */
    interface Validation {
        void add(HostBatch batch, NDList predictions);

        double[] result();
    }

    /** A finished model folder and the name its weight files carry. */
    record Start(Path model, String name) {
    }

    /**
     * The finished model whose weights a run starts from (a pretraining's), or null for the block's own initial
     * values. A run that resumes from a checkpoint ignores it.
     */
    default Start start() {
        return null;
    }

    /**
     * Items the run could not use, found while it ran (a damaged image file): written to the run folder and to the
     * work folder's skipped.csv when the run ends, and counted as the partition's skips.
     */
    default List<SkipRecord> skipped() {
        return List.of();
    }

    /** Releases what the task holds beside its block (models it loaded to make inputs again), when the run ends. */
    default void close() {
    }
}
