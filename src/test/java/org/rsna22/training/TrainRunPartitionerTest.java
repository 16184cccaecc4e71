package org.rsna22.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.rsna22.config.BboxConfig;
import org.rsna22.config.ConfigLoader;
import org.rsna22.ops.JobProgressService;
import org.springframework.batch.infrastructure.item.ExecutionContext;

class TrainRunPartitionerTest {

    @Test
    void partitionsAreNamedAfterTheRunAndKnowTheirStepsFromTheStart() {
        Map<String, ExecutionContext> parts = new TrainRunPartitioner(List.of(0, -1), List.of(0, 2), fold -> 100L + fold)
                .partition(1);
        assertThat(parts).containsOnlyKeys("fold0-seed0", "fold0-seed2", "fold-1-seed0", "fold-1-seed2");
        ExecutionContext ctx = parts.get("fold-1-seed2");
        assertThat(ctx.getInt(TrainRunPartitioner.FOLD)).isEqualTo(-1);
        assertThat(ctx.getInt(TrainRunPartitioner.SEED)).isEqualTo(2);
        assertThat(ctx.getLong(JobProgressService.EXPECTED)).isEqualTo(99L);
        assertThat(ctx.getString(JobProgressService.UNIT)).isEqualTo("batches");
    }

    @Test
    void stepsOfARunAreBatchesPerEpochTimesEpochs() {
        // 65 triplets in batches of 32 → 3 batches an epoch
        BboxConfig spec = ConfigLoader.load("cfg_loc_dh_01B").bbox();   // batch 32, 15 epochs
        assertThat(ModelTrainer.totalSteps(65, BoxLocaliserTask.settings(spec))).isEqualTo(45);
        assertThat(ModelTrainer.totalSteps(64, BoxLocaliserTask.settings(spec))).isEqualTo(30);
    }

    @Test
    void runsMustCoverEveryFoldOfTheDatasetUnlessAnAllDataModelStandsIn() {
        TrainRunPartitioner.requireCovers(Set.of(0, 1), List.of(0, 1), "bbox.folds");
        TrainRunPartitioner.requireCovers(Set.of(0, 1, 2, 3, 4), List.of(0, -1), "bbox.folds");
        assertThatThrownBy(() -> TrainRunPartitioner.requireCovers(Set.of(0, 1, 2, 3, 4), List.of(0, 1), "bbox.folds"))
                .hasMessageStartingWith("bbox.folds [0, 1] leaves the dataset's fold(s) [2, 3, 4] without a model");
    }
}
