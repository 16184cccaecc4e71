package org.rsna22.config;

/** All-slice inference and study boxes (config section {@code infer_bbox}, SPEC §5). */
public record InferBboxConfig(int batchSize, int studiesPerPartition, int threads, double hasBoxThreshold,
                              int rollingWindow, int rollingMinPeriods, double rangeThreshold) {
    public InferBboxConfig {
        ConfigChecks.require(batchSize >= 1 && studiesPerPartition >= 1 && threads >= 1,
                "infer_bbox batch_size, studies_per_partition and threads must be at least 1");
        ConfigChecks.require(rollingWindow >= 1 && rollingMinPeriods >= 1 && rollingMinPeriods <= rollingWindow,
                "infer_bbox.rolling_min_periods must be within 1..rolling_window");
    }
}
