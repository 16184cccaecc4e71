package org.rsna22.training;

import org.rsna22.config.BatchLimit;

/**
 * The optimisation settings every model shares (AdamW stepped per batch, its learning rate after a linear warm-up
 * decaying along a cosine to zero, or with {@code cosine} false held at {@code lr}), the batches of each epoch it
 * trains and validates on ({@code limit_train_batches}, {@code limit_val_batches}), and {@code section}, the config
 * section they come from, for messages.
 */
public record TrainingSettings(String section, int epochs, int batchSize, int valBatchSize, double lr,
                               double weightDecay, double warmup, boolean cosine, int loaderThreads,
                               int prefetchBatches, BatchLimit limitTrain, BatchLimit limitVal) {

    /** The settings with every batch of every epoch (no limits). */
    public TrainingSettings(String section, int epochs, int batchSize, int valBatchSize, double lr,
                            double weightDecay, double warmup, boolean cosine, int loaderThreads, int prefetchBatches) {
        this(section, epochs, batchSize, valBatchSize, lr, weightDecay, warmup, cosine, loaderThreads, prefetchBatches,
                BatchLimit.ALL, BatchLimit.ALL);
    }

    /** Whether an epoch trains or validates on fewer batches than it has. */
    public boolean limited() {
        return !limitTrain.all() || !limitVal.all();
    }
}
