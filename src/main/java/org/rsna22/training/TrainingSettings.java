package org.rsna22.training;

import org.rsna22.config.BatchLimit;

/**
 * The optimisation settings every model shares (AdamW stepped per batch, its learning rate after a linear warm-up
 * decaying along a cosine to zero, or with {@code cosine} false held at {@code lr}), the batches of each epoch it
 * trains and validates on ({@code limit_train_batches}, {@code limit_val_batches}), the optimiser steps a run takes
 * at least ({@code min_steps}: more epochs than {@code epochs} when the data gives fewer batches; see
 * {@link #forSamples}), which epochs end with a validation ({@code validate_every}: every n-th and the last; the
 * others write no validation values) and {@code section}, the config section they come from, for messages.
 */
public record TrainingSettings(String section, int epochs, int batchSize, int valBatchSize, double lr,
                               double weightDecay, double warmup, boolean cosine, int loaderThreads,
                               int prefetchBatches, BatchLimit limitTrain, BatchLimit limitVal, int minSteps,
                               int validateEvery) {

    public TrainingSettings {
        if (validateEvery < 1) {
            throw new IllegalArgumentException(section + ".validate_every must be at least 1, not " + validateEvery);
        }
    }

    /** The settings with every batch of every epoch (no limits). */
    public TrainingSettings(String section, int epochs, int batchSize, int valBatchSize, double lr,
                            double weightDecay, double warmup, boolean cosine, int loaderThreads, int prefetchBatches) {
        this(section, epochs, batchSize, valBatchSize, lr, weightDecay, warmup, cosine, loaderThreads, prefetchBatches,
                BatchLimit.ALL, BatchLimit.ALL);
    }

    /** The settings with at least {@code epochs} epochs, whatever the optimiser steps. */
    public TrainingSettings(String section, int epochs, int batchSize, int valBatchSize, double lr,
                            double weightDecay, double warmup, boolean cosine, int loaderThreads, int prefetchBatches,
                            BatchLimit limitTrain, BatchLimit limitVal) {
        this(section, epochs, batchSize, valBatchSize, lr, weightDecay, warmup, cosine, loaderThreads, prefetchBatches,
                limitTrain, limitVal, 0, 1);
    }

    /**
     * These settings for a run on {@code samples} training samples: its epochs raised, when {@code minSteps} asks for
     * more optimiser steps than {@code epochs} epochs of those samples give (limit_train_batches applied), to the
     * fewest that give them; otherwise unchanged.
     */
    public TrainingSettings forSamples(long samples) {
        long perEpoch = Math.max(1, batchesPerEpoch(samples));
        int needed = (int) Math.max(epochs, (minSteps + perEpoch - 1) / perEpoch);
        return needed == epochs ? this : new TrainingSettings(section, needed, batchSize, valBatchSize, lr, weightDecay,
                warmup, cosine, loaderThreads, prefetchBatches, limitTrain, limitVal, minSteps, validateEvery);
    }

    /** The batches an epoch trains on over {@code samples} training samples (limit_train_batches applied). */
    public int batchesPerEpoch(long samples) {
        return limitTrain.apply((int) ((samples + batchSize - 1) / batchSize));
    }

    /** Whether epoch {@code epoch} (counted from 1) ends with a validation: every validate_every-th and the last. */
    public boolean validates(int epoch) {
        return epoch % validateEvery == 0 || epoch >= epochs;
    }

    /** Whether an epoch trains or validates on fewer batches than it has. */
    public boolean limited() {
        return !limitTrain.all() || !limitVal.all();
    }
}
