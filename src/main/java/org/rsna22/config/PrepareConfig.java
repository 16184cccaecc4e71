package org.rsna22.config;

import java.util.List;

/** Settings of the prepare job (config section {@code prepare}). */
public record PrepareConfig(List<String> excludedStudies, int folds, long foldSeed, double maxSkipShare,
                            int studiesPerPartition, int threads) {

    public PrepareConfig {
        excludedStudies = excludedStudies == null ? List.of() : List.copyOf(excludedStudies);
        ConfigChecks.require(folds >= 2, "prepare.folds must be at least 2");
        ConfigChecks.require(maxSkipShare >= 0 && maxSkipShare <= 1, "prepare.max_skip_share must be within 0..1");
        ConfigChecks.require(studiesPerPartition >= 1, "prepare.studies_per_partition must be at least 1");
        ConfigChecks.require(threads >= 1, "prepare.threads must be at least 1");
    }
}
