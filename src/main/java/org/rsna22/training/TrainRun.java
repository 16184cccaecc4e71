package org.rsna22.training;

import java.nio.file.Path;

/**
 * One (fold, seed) model of an experiment; fold -1 trains on all data. Its folder holds the resolved config,
 * metrics.csv, checkpoints/epoch-NNN and, when finished, model/.
 */
public record TrainRun(String experiment, int fold, int seed, Path dir) {

    public static TrainRun of(Path work, String experiment, int fold, int seed) {
        return new TrainRun(experiment, fold, seed,
                work.resolve("runs").resolve(experiment).resolve("fold" + fold).resolve("seed" + seed));
    }

    /** The partition name: fold2-seed1, fold-1-seed0. */
    public String name() {
        return "fold" + fold + "-seed" + seed;
    }

    public Path checkpoints() {
        return dir.resolve("checkpoints");
    }

    public Path model() {
        return dir.resolve("model");
    }
}
