package org.rsna22.training;

/**
 * The optimisation settings every model shares (AdamW with a cosine schedule after a linear warm-up, stepped per
 * batch), and {@code section}, the config section they come from, for messages.
 */
public record TrainingSettings(String section, int epochs, int batchSize, int valBatchSize, double lr,
                               double weightDecay, double warmup, int loaderThreads, int prefetchBatches) {
}
