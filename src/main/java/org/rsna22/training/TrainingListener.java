package org.rsna22.training;

/** Hears what a training run does (metrics, progress); all methods are optional. */
public interface TrainingListener {

    default void onEpochStart(TrainRun run, int epoch) {
    }

    default void onBatch(TrainRun run, int epoch, int batch, int batches, double loss, double imagesPerSecond) {
    }

    default void onEpochEnd(TrainRun run, EpochMetrics metrics) {
    }
}
