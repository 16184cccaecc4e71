package org.rsna22.cli;

import org.rsna22.demo.DemoDatasetGenerator;
import picocli.CommandLine.Option;

/** The options of the generated dataset that {@code demo} and {@code generate-demo} share. */
final class DemoDataOptions {

    @Option(names = "--studies", defaultValue = "16", description = "number of studies (default: ${DEFAULT-VALUE})")
    int studies;

    @Option(names = "--size", defaultValue = "96", description = "image columns in pixels (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--all-segmented", description = "give every study a segmentation (by default every fourth has none)")
    boolean allSegmented;

    @Option(names = "--seed", defaultValue = "22", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    DemoDatasetGenerator.Options generator(int slices, int threads) {
        return new DemoDatasetGenerator.Options(studies, size, seed, slices, threads, allSegmented);
    }
}
