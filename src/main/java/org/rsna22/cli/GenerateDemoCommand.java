package org.rsna22.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rsna22.demo.DemoDatasetGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code generate-demo}: a synthetic dataset in the competition layout. */
@Command(name = "generate-demo", mixinStandardHelpOptions = true,
        description = {"Write a synthetic neck-CT dataset in the competition layout (train.csv, train_images/, "
                + "segmentations/, train_bounding_boxes.csv) plus demo_truth/ with the true boxes.",
            "Deterministic for a seed."})
final class GenerateDemoCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    @Option(names = "--studies", defaultValue = "16", description = "number of studies (default: ${DEFAULT-VALUE})")
    int studies;

    @Option(names = "--size", defaultValue = "96", description = "image columns in pixels (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--all-segmented", description = "give every study a segmentation (by default every fourth has none)")
    boolean allSegmented;

    @Option(names = "--slices", defaultValue = "96", description = "slices per study, up to +25 %% (default: ${DEFAULT-VALUE})")
    int slices;

    @Option(names = "--seed", defaultValue = "22", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "studies written at once (default: ${DEFAULT-VALUE})")
    int threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        DemoDatasetGenerator.Options o = new DemoDatasetGenerator.Options(studies, size, seed, slices, threads, allSegmented);
        log.printf("generating %d studies (%d px, ~%d slices, seed %d) in %s%n", studies, size, slices, seed, out);
        log.flush();
        long t0 = System.nanoTime();
        int n = new DemoDatasetGenerator(o).generate(out, log).size();
        log.printf("wrote %d studies in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
