package org.rsna22.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rsna22.Rsna22Application;
import org.rsna22.batch.JobRunner;
import org.rsna22.bench.BboxBenchmark;
import org.rsna22.bench.FractureBenchmark;
import org.rsna22.bench.InferFractureBenchmark;
import org.rsna22.bench.IoBenchmark;
import org.rsna22.bench.PrepareBenchmark;
import org.rsna22.bench.RemoteBenchmark;
import org.rsna22.bench.ScaleBenchmark;
import org.rsna22.bench.StartupBenchmark;
import org.rsna22.config.BboxConfig;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.demo.DemoDatasetGenerator;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bench}: throughput benchmarks that print their numbers. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Throughput benchmarks; run under 'taskset -c 0' to measure one core.",
        subcommands = {BenchCommand.Io.class, BenchCommand.Prepare.class, BenchCommand.Bbox.class,
            BenchCommand.Fracture.class, BenchCommand.InferFracture.class, BenchCommand.Remote.class, BenchCommand.Startup.class,
            BenchCommand.Scale.class})
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

    @Command(name = "prepare", mixinStandardHelpOptions = true,
            description = {"The prepare job on a generated dataset (made once in --dir): slices/s of sliceMetadata, "
                + "studies/s of bboxLabels, peak heap. Uses an H2 job repository in --dir.",
                "The original's Python method on the same files: bench/original_*.py."})
    static final class Prepare implements Callable<Integer> {
        @Option(names = "--dir", defaultValue = "data/bench/prepare", description = "bench folder (default: ${DEFAULT-VALUE})")
        Path dir;

        @Option(names = "--studies", defaultValue = "200", description = "studies (default: ${DEFAULT-VALUE})")
        int studies;

        @Option(names = "--slices", defaultValue = "250", description = "slices per study, up to +25 %% (default: ${DEFAULT-VALUE})")
        int slices;

        @Option(names = "--size", defaultValue = "32", description = "image size (default: ${DEFAULT-VALUE})")
        int size;

        @Option(names = "--runs", defaultValue = "2", description = "job runs; the first warms the JVM (default: ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--config", defaultValue = "default", description = "experiment config (default: ${DEFAULT-VALUE})")
        String config;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrepareBenchmark bench = new PrepareBenchmark(dir,
                    new DemoDatasetGenerator.Options(studies, size, 1, slices, 2), config, spec.commandLine().getOut());
            bench.generateIfMissing();
            bench.clean();
            try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(Rsna22Application.class)
                    .properties(Map.of("rsna22.db-dir", dir.resolve("db").toAbsolutePath().toString())).run()) {
                JobRunner runner = ctx.getBean(JobRunner.class);
                for (int i = 1; i <= runs; i++) {
                    spec.commandLine().getOut().printf("run %d of %d%n", i, runs);
                    bench.run(runner, i);
                }
            }
            return 0;
        }
    }

    @Command(name = "bbox", mixinStandardHelpOptions = true,
            description = {"Training images/s and inference slices/s of the box localiser in DJL on random inputs, "
                + "then the same architecture in PyTorch (bench/bbox_pytorch.py with Debian's python3-torch) when present.",
                "Runs the demo architecture and cfg_loc_dh_01B's at --size."})
    static final class Bbox implements Callable<Integer> {
        @Option(names = "--size", defaultValue = "128", description = "input size (default: ${DEFAULT-VALUE})")
        int size;

        @Option(names = "--batch", defaultValue = "16", description = "batch size (default: ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--seconds", defaultValue = "10", description = "measuring time per case (default: ${DEFAULT-VALUE})")
        double seconds;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("jemalloc preloaded: %s%n", String.valueOf(System.getenv("LD_PRELOAD")).contains("jemalloc"));
            for (String config : new String[] {"demo", "cfg_loc_dh_01B"}) {
                BboxConfig c = ConfigLoader.load(config).bbox();
                out.printf("%s:%n", config);
                BboxBenchmark.run(c, size, batch, seconds, out);
                BboxBenchmark.runPytorch(c, size, batch, seconds, out);
            }
            return 0;
        }
    }

    @Command(name = "fracture", mixinStandardHelpOptions = true,
            description = {"Training speed of the fracture models in DJL on random inputs (the slice model in images/s, "
                + "the study model in studies/s), then the same architectures in PyTorch (bench/fracture_pytorch.py).",
                "With --work: also an epoch's images from the crop cache (zstd) against the same crops raw and against "
                + "decoding the DICOM files again."})
    static final class Fracture implements Callable<Integer> {
        @Option(names = "--config", defaultValue = "demo", description = "experiment whose fracture section is measured (default: ${DEFAULT-VALUE})")
        String config;

        @Option(names = "--batch", defaultValue = "4", description = "windows per slice-model batch (default: ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--study-batch", defaultValue = "8", description = "studies per study-model batch (default: ${DEFAULT-VALUE})")
        int studyBatch;

        @Option(names = "--seconds", defaultValue = "10", description = "measuring time per case (default: ${DEFAULT-VALUE})")
        double seconds;

        @Option(names = "--data", description = "the dataset train-fracture ran on (with --work)")
        Path data;

        @Option(names = "--work", description = "a work folder where train-fracture made the crop cache")
        Path work;

        @Option(names = "--torchscript", paramLabel = "FILE", description = "also the slice model on this backbone "
                + "(a file of bench/export_backbone.py), in DJL and in PyTorch, beside the config's")
        Path torchscript;

        @Option(names = "--crops-only", description = "with --data and --work: only the crop cache against raw crops "
                + "and decoding, not the models' training speed")
        boolean cropsOnly;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("jemalloc preloaded: %s%n", String.valueOf(System.getenv("LD_PRELOAD")).contains("jemalloc"));
            FractureConfig c = ConfigLoader.load(config).fracture();
            if (cropsOnly && work == null) {
                spec.commandLine().getErr().println("error: --crops-only needs --data and --work");
                return 2;
            }
            if (!cropsOnly) {
                FractureBenchmark.run(c, batch, studyBatch, seconds, torchscript, out);
            }
            if (work != null) {
                if (data == null) {
                    spec.commandLine().getErr().println("error: --work needs --data (the dataset of that work folder)");
                    return 2;
                }
                FractureBenchmark.cropCache(new CompetitionLayout(data), new WorkLayout(work), c, out);
            }
            return 0;
        }
    }

    @Command(name = "infer-fracture", mixinStandardHelpOptions = true,
            description = {"Test-set inference speed (crop, embeddings, study-model ensemble per study) in studies/s "
                + "and slices/s, once decoding the DICOM files and once from the crop cache.",
                "Needs a work folder with trained fracture models and the test set's study boxes (run infer-bbox on the "
                + "test set first); its test crop cache is emptied and rebuilt."})
    static final class InferFracture implements Callable<Integer> {
        @Option(names = "--test", required = true, description = "the test set (test_images/)")
        Path test;

        @Option(names = "--work", required = true, description = "the work folder with the trained models")
        Path work;

        @Option(names = "--config", defaultValue = "demo", description = "the experiment the models were trained with (default: ${DEFAULT-VALUE})")
        String config;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            InferFractureBenchmark.run(new CompetitionLayout(test), new WorkLayout(work), ConfigLoader.load(config), out);
            return 0;
        }
    }

    @Command(name = "remote", mixinStandardHelpOptions = true,
            description = {"infer-bbox over remote partitioning (README \"Running on several machines\"): this process "
                + "is the manager, on a PostgreSQL job repository and RabbitMQ; it starts 2 worker JVMs of the same jar, "
                + "each limited to one compute thread, trains a small model, then prints slices/s with 2 workers and 1 "
                + "in each of --rounds rounds, their median speed-up, and the manager's overhead per partition.",
                "Broker options such as --spring.rabbitmq.host=H may follow; the database user and password come from "
                + "RSNA22_DB_USER and RSNA22_DB_PASSWORD."})
    static final class Remote extends LaunchingCommand implements Callable<Integer> {
        @Option(names = "--dir", defaultValue = "data/bench/remote", description = "bench folder (default: ${DEFAULT-VALUE})")
        Path dir;

        @Option(names = "--studies", defaultValue = "128", description = "studies (default: ${DEFAULT-VALUE})")
        int studies;

        @Option(names = "--rounds", defaultValue = "5", description = "measured rounds of 2 workers then 1 (default: ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--slices", defaultValue = "80", description = "slices per study, up to +25 %% (default: ${DEFAULT-VALUE})")
        int slices;

        @Option(names = "--size", defaultValue = "128", description = "image size (default: ${DEFAULT-VALUE})")
        int size;

        @Option(names = "--db-url", defaultValue = "jdbc:postgresql://127.0.0.1:5432/rsna22_bench",
                description = "the job repository, created when missing (default: ${DEFAULT-VALUE})")
        String dbUrl;

        @Override
        public Integer call() throws Exception {
            new RemoteBenchmark(new RemoteBenchmark.Options(dir.toAbsolutePath(), studies, size, slices, dbUrl,
                    springArgs, rounds), args -> new SpringApplicationBuilder(Rsna22Application.class)
                    .web(WebApplicationType.NONE).run(args), out()).run();
            return 0;
        }
    }

    @Command(name = "startup", mixinStandardHelpOptions = true,
            description = {"What a command costs beyond its work: the time of 'status', and of 'run prepare' on two tiny "
                + "studies split into start-up (to the 'running prepare:' line), the job and shut-down; medians, once "
                + "through the ./rsna22 launcher and once through java -jar.",
                "Run it from the project folder after ./mvnw package -DskipTests."})
    static final class Startup implements Callable<Integer> {
        @Option(names = "--dir", defaultValue = "data/bench/startup", description = "bench folder (default: ${DEFAULT-VALUE})")
        Path dir;

        @Option(names = "--runs", defaultValue = "7", description = "measured runs per way of starting (default: ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--launcher", defaultValue = "rsna22", description = "the launcher script (default: ${DEFAULT-VALUE})")
        Path launcher;

        @Option(names = "--jar", defaultValue = "target/rsna22.jar", description = "the packaged jar (default: ${DEFAULT-VALUE})")
        Path jar;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            List<StartupBenchmark.Launch> launches = new ArrayList<>();
            if (Files.isExecutable(launcher)) {
                launches.add(new StartupBenchmark.Launch("./" + launcher.getFileName() + " (class-data archive)",
                        List.of(launcher.toAbsolutePath().toString())));
            }
            if (Files.isRegularFile(jar)) {
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                launches.add(new StartupBenchmark.Launch("java -jar " + jar, List.of(java, "-jar", jar.toString())));
            }
            new StartupBenchmark(dir, runs, spec.commandLine().getOut()).run(launches);
            return 0;
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true,
            description = {"What every stage costs as the data grows: N and 2N full-size generated studies (512 px, "
                + "250-650 slices, JPEG lossless) and a test set, each stage of the pipeline with --config run as its own "
                + "process of the jar; wall time, items/s, peak resident memory (VmHWM) and heap, bytes per study of "
                + "every output and cache, 2N/N; then the competition's data projected stage by stage; then infer-bbox "
                + "over --leak-triplets triplets with its resident memory sampled; then run prepare on "
                + "--prepare-studies studies against the original's pydicom header pass.",
                "Takes about an hour on 2 cores with the defaults; needs about 15 GB in --dir."})
    static final class Scale implements Callable<Integer> {
        @Option(names = "--dir", defaultValue = "data/bench/scale", description = "bench folder (default: ${DEFAULT-VALUE})")
        Path dir;

        @Option(names = "--studies", defaultValue = "8", description = "N: the first size, then 2N (default: ${DEFAULT-VALUE})")
        int studies;

        @Option(names = "--test-studies", defaultValue = "2", description = "test studies, at least N/4 (default: ${DEFAULT-VALUE})")
        int testStudies;

        @Option(names = "--config", defaultValue = "rehearsal", description = "experiment (default: ${DEFAULT-VALUE})")
        String config;

        @Option(names = "--leak-triplets", defaultValue = "20000",
                description = "triplets of the native-memory check, 0 for none (default: ${DEFAULT-VALUE})")
        long leakTriplets;

        @Option(names = "--prepare-studies", defaultValue = "32",
                description = "full-size studies of run prepare against a pydicom header pass, 0 for none "
                        + "(default: ${DEFAULT-VALUE})")
        int prepareStudies;

        @Option(names = "--heap", defaultValue = "3g",
                description = "every stage's Java heap, committed and touched at start (-Xms = -Xmx), so that what the "
                        + "resident memory gains is native memory and a heap that would grow shows as an error "
                        + "(default: ${DEFAULT-VALUE})")
        String heap;

        @Option(names = "--sizes", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "run the pipeline on N and 2N studies (default); --no-sizes runs only the leak check "
                        + "and the prepare comparison, on the work folder an earlier run left in --dir")
        boolean sizes;

        @Option(names = "--json", description = "also write the report as JSON to this file")
        Path json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (!heap.matches("\\d+[mMgG]")) {
                spec.commandLine().getErr().println("error: --heap: a size such as 3g or 2500m, not '" + heap + "'");
                return 2;
            }
            Map<String, Object> report = new ScaleBenchmark(new ScaleBenchmark.Options(dir, studies, testStudies,
                    config, leakTriplets, prepareStudies, heap, sizes), out).run();
            if (json != null) {
                Files.writeString(json, ScaleBenchmark.json(report));
                out.println("report: " + json);
            }
            return 0;
        }
    }
}
