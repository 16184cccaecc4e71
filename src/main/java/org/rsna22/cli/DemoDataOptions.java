package org.rsna22.cli;

import org.rsna22.demo.DemoDatasetGenerator;
import picocli.CommandLine.Option;

/** The options of the generated dataset that {@code demo} and {@code generate-demo} share. */
final class DemoDataOptions {

    /** {@code generate-demo}'s number of studies; {@code demo} starts from its own ({@link #withStudies}). */
    static final int DEFAULT_STUDIES = 16;

    @Option(names = "--studies", description = "number of studies (default: ${DEFAULT-VALUE})")
    int studies = DEFAULT_STUDIES;

    static final int DEFAULT_SIZE = 96;

    @Option(names = "--size", defaultValue = "" + DEFAULT_SIZE, description = "image columns in pixels (default: "
            + "${DEFAULT-VALUE})")
    int size;

    @Option(names = "--all-segmented", description = "give every study a segmentation (by default every fourth has none)")
    boolean allSegmented;

    @Option(names = "--seg-fraction", paramLabel = "SHARE", description = "share of the studies with a segmentation "
            + "(default: 0.75, every fourth without; the competition's: 0.043)")
    Double segFraction;

    @Option(names = "--box-fraction", paramLabel = "SHARE", description = "share of the fractured studies whose crack "
            + "boxes are in train_bounding_boxes.csv (default: 1; the competition's: 0.245)")
    double boxFraction = 1;

    @Option(names = "--seed", defaultValue = "22", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    /** The options with another default number of studies. */
    static DemoDataOptions withStudies(int studies) {
        DemoDataOptions o = new DemoDataOptions();
        o.studies = studies;
        return o;
    }

    DemoDatasetGenerator.Options generator(int slices, int threads) {
        return generator(slices, threads, false);
    }

    /** With {@code fullSize}, 512 pixels unless --size gave another size than its default. */
    DemoDatasetGenerator.Options generator(int slices, int threads, boolean fullSize) {
        int px = fullSize && size == DEFAULT_SIZE ? 512 : size;
        share("--seg-fraction", segFraction());
        share("--box-fraction", boxFraction);
        return new DemoDatasetGenerator.Options(studies, px, seed, slices, threads, segFraction(), boxFraction,
                fullSize);
    }

    private static void share(String option, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(option + " " + value + ": give a share between 0 and 1");
        }
    }

    /** --seg-fraction, or 1 with --all-segmented; both at once are refused. */
    double segFraction() {
        if (allSegmented && segFraction != null && segFraction != 1) {
            throw new IllegalArgumentException("--all-segmented and --seg-fraction " + segFraction + " contradict "
                    + "each other: give one");
        }
        return allSegmented ? 1 : segFraction != null ? segFraction : DemoDatasetGenerator.Options.SEG_FRACTION;
    }
}
