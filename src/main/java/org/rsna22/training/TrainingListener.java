package org.rsna22.training;

import java.util.List;

/** Hears what a training run does (metrics, progress); all methods are optional. */
public interface TrainingListener {

    default void onEpochStart(TrainRun run, int epoch) {
    }

    default void onBatch(TrainRun run, int epoch, int batch, int batches, double loss, double imagesPerSecond) {
    }

    default void onEpochEnd(TrainRun run, EpochMetrics metrics) {
    }

    /** One listener that passes every event to each of {@code listeners}, in order. */
    static TrainingListener all(List<TrainingListener> listeners) {
        List<TrainingListener> copy = List.copyOf(listeners);
        return new TrainingListener() {
            @Override
            public void onEpochStart(TrainRun run, int epoch) {
                copy.forEach(l -> l.onEpochStart(run, epoch));
            }

            @Override
            public void onBatch(TrainRun run, int epoch, int batch, int batches, double loss, double imagesPerSecond) {
                copy.forEach(l -> l.onBatch(run, epoch, batch, batches, loss, imagesPerSecond));
            }

            @Override
            public void onEpochEnd(TrainRun run, EpochMetrics metrics) {
                copy.forEach(l -> l.onEpochEnd(run, metrics));
            }
        };
    }
}
