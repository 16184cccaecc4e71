package org.rsna22.training;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntToLongFunction;
import java.util.stream.Collectors;
import org.rsna22.config.BboxConfig;
import org.rsna22.dataset.SliceBoxes;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.ops.JobProgressService;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * One partition per (fold, seed) of the config, named like the run: fold0-seed0 ... fold-1-seed2. Each knows from
 * the start how many optimiser steps its run takes, so progress has a total before the first run ends.
 */
public class TrainRunPartitioner implements Partitioner {

    public static final String FOLD = "fold";
    public static final String SEED = "seed";

    private final List<Integer> folds;
    private final List<Integer> seeds;
    private final IntToLongFunction stepsOfFold;

    /** @param stepsOfFold the optimiser steps of a run of the given fold */
    public TrainRunPartitioner(List<Integer> folds, List<Integer> seeds, IntToLongFunction stepsOfFold) {
        this.folds = folds;
        this.seeds = seeds;
        this.stepsOfFold = stepsOfFold;
    }

    /** The partitions of train-bbox: step counts from the box labels of the studies outside each fold. */
    public static TrainRunPartitioner bbox(WorkLayout work, BboxConfig config) throws IOException {
        List<SliceBoxes> all = SliceBoxes.readBoxLabels(work.bboxLabels());
        requireCovers(all.stream().map(SliceBoxes::fold).collect(Collectors.toSet()), config.folds(), "bbox.folds");
        return new TrainRunPartitioner(config.folds(), config.seeds(),
                fold -> BoxLocaliserTask.totalSteps(all, fold, config));
    }

    /**
     * Fails before any training when the runs cannot predict every study out of fold: a fold of the dataset that
     * has no run, and no all-data run (-1) to stand in, would only be found by the inference after it.
     */
    public static void requireCovers(Set<Integer> datasetFolds, List<Integer> folds, String setting) {
        if (folds.contains(-1)) {
            return;
        }
        List<Integer> missing = datasetFolds.stream().filter(f -> !folds.contains(f)).sorted().toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException(setting + " " + folds + " leaves the dataset's fold(s) " + missing
                    + " without a model (the work folder's folds come from prepare's config); list them, or add -1 "
                    + "for an all-data model, or run prepare with as many folds");
        }
    }

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        Map<String, ExecutionContext> out = new LinkedHashMap<>();
        for (int fold : folds) {
            for (int seed : seeds) {
                ExecutionContext ctx = new ExecutionContext();
                ctx.putInt(FOLD, fold);
                ctx.putInt(SEED, seed);
                ctx.putLong(JobProgressService.EXPECTED, stepsOfFold.applyAsLong(fold));
                ctx.putString(JobProgressService.UNIT, "batches");
                out.put("fold" + fold + "-seed" + seed, ctx);
            }
        }
        return out;
    }
}
