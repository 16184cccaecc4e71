package org.rsna22.training;

import java.nio.file.Path;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.dataset.WorkLayout;

/**
 * One (fold, seed) model of an experiment; fold -1 trains on all data. Its folder (named by {@link WorkLayout})
 * holds the resolved config, metrics.csv, checkpoints and, when finished, the model.
 */
public record TrainRun(String experiment, int fold, int seed, RunFolder folder) {

    public static TrainRun of(Path work, String experiment, int fold, int seed) {
        return new TrainRun(experiment, fold, seed, new WorkLayout(work).run(experiment, fold, seed));
    }

    /** Whether a run of {@code runFold} trains on a study of {@code studyFold}: one outside it, or any for fold -1. */
    public static boolean trainsOn(int runFold, int studyFold) {
        return runFold < 0 || studyFold != runFold;
    }

    /** Whether a run of {@code runFold} validates on a study of {@code studyFold}: its own fold's (none for -1). */
    public static boolean validatesOn(int runFold, int studyFold) {
        return runFold >= 0 && studyFold == runFold;
    }

    /** The partition name: fold2-seed1, fold-1-seed0. */
    public String name() {
        return "fold" + fold + "-seed" + seed;
    }

    public Path dir() {
        return folder.dir();
    }

    public Path checkpoints() {
        return folder.checkpoints();
    }

    public Path model() {
        return folder.model();
    }
}
