package org.rsna22.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rsna22.ops.IoBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bench}: throughput benchmarks that print their numbers. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Throughput benchmarks; run under 'taskset -c 0' to measure one core.",
        subcommands = {BenchCommand.Io.class})
final class BenchCommand {

    @Command(name = "io", mixinStandardHelpOptions = true,
            description = {"DICOM reading: header-only scan, native decode, JPEG lossless SV1, JPEG 2000 (files/s).",
                "Fixtures (CT-like slices, compressed with dcmtk and GDCM when installed) are made once in --dir."})
    static final class Io implements Callable<Integer> {
        @Option(names = "--dir", defaultValue = "data/bench/io", description = "fixture folder (default: ${DEFAULT-VALUE})")
        Path dir;

        @Option(names = "--files", defaultValue = "200", description = "fixture files per kind (default: ${DEFAULT-VALUE})")
        int files;

        @Option(names = "--size", defaultValue = "512", description = "slice size in pixels (default: ${DEFAULT-VALUE})")
        int size;

        @Option(names = "--seconds", defaultValue = "5", description = "measuring time per case (default: ${DEFAULT-VALUE})")
        double seconds;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            new IoBenchmark(dir, files, size, seconds, spec.commandLine().getOut()).run();
            return 0;
        }
    }
}
