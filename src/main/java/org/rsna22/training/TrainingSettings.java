package org.rsna22.training;

/**
 * The optimisation settings every model shares (AdamW stepped per batch, its learning rate after a linear warm-up
 * decaying along a cosine to zero, or with {@code cosine} false held at {@code lr}), and {@code section}, the config
 * section they come from, for messages.
 */
public record TrainingSettings(String section, int epochs, int batchSize, int valBatchSize, double lr,
                               double weightDecay, double warmup, boolean cosine, int loaderThreads,
                               int prefetchBatches) {
}
