package org.rsna22.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** One partition per (fold, seed) of the config, named like the run: fold0-seed0 ... fold-1-seed2. */
public class TrainRunPartitioner implements Partitioner {

    public static final String FOLD = "fold";
    public static final String SEED = "seed";

    private final List<Integer> folds;
    private final List<Integer> seeds;

    public TrainRunPartitioner(List<Integer> folds, List<Integer> seeds) {
        this.folds = folds;
        this.seeds = seeds;
    }

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        Map<String, ExecutionContext> out = new LinkedHashMap<>();
        for (int fold : folds) {
            for (int seed : seeds) {
                ExecutionContext ctx = new ExecutionContext();
                ctx.putInt(FOLD, fold);
                ctx.putInt(SEED, seed);
                out.put("fold" + fold + "-seed" + seed, ctx);
            }
        }
        return out;
    }
}
