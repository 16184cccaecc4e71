package org.rsna22.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rsna22.demo.DemoDatasetGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    DemoDataOptions data;

    @Option(names = "--slices", defaultValue = "96", description = "slices per study, up to +25 %% (default: ${DEFAULT-VALUE})")
    int slices;

    @Option(names = "--threads", defaultValue = "2", description = "studies written at once (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--full-size", description = {"studies as the competition's: 512 pixels (unless --size says "
            + "otherwise; the second study 5/4 of it), 250-650 slices of 0.5-1.0 mm (--slices is ignored), stored "
            + "as JPEG lossless (one in eight RLE); about 0.1-0.3 GB per study"})
    boolean fullSize;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = spec.commandLine().getOut();
        DemoDatasetGenerator.Options o;
        try {
            o = data.generator(slices, threads, fullSize);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return JobLauncherSupport.USAGE;
        }
        log.printf("generating %d studies (%d px, %s slices, seed %d) in %s%n", o.studies(), o.size(),
                fullSize ? "250-650" : "~" + slices, o.seed(), out);
        log.flush();
        long t0 = System.nanoTime();
        int n = new DemoDatasetGenerator(o).generate(out, log).size();
        log.printf("wrote %d studies in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
