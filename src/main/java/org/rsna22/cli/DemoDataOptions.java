package org.rsna22.cli;

import org.rsna22.demo.DemoDatasetGenerator;
import picocli.CommandLine.Option;

/** The options of the generated dataset that {@code demo} and {@code generate-demo} share. */
final class DemoDataOptions {

    @Option(names = "--studies", defaultValue = "16", description = "number of studies (default: ${DEFAULT-VALUE})")
    int studies;

    static final int DEFAULT_SIZE = 96;

    @Option(names = "--size", defaultValue = "" + DEFAULT_SIZE, description = "image columns in pixels (default: "
            + "${DEFAULT-VALUE})")
    int size;

    @Option(names = "--all-segmented", description = "give every study a segmentation (by default every fourth has none)")
    boolean allSegmented;

    @Option(names = "--seed", defaultValue = "22", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    DemoDatasetGenerator.Options generator(int slices, int threads) {
        return generator(slices, threads, false);
    }

    /** With {@code fullSize}, 512 pixels unless --size gave another size than its default. */
    DemoDatasetGenerator.Options generator(int slices, int threads, boolean fullSize) {
        int px = fullSize && size == DEFAULT_SIZE ? 512 : size;
        return new DemoDatasetGenerator.Options(studies, px, seed, slices, threads, allSegmented, fullSize);
    }
}
