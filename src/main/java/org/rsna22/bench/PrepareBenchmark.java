package org.rsna22.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.rsna22.batch.JobRunner;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.io.AtomicFiles;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;

/**
 * Throughput of the prepare job on a generated dataset: slices/s of sliceMetadata, studies/s of
 * bboxLabels and the peak heap, with the H2 job repository, on all cores the config allows.
 */
public final class PrepareBenchmark {

    private final Path dir;
    private final DemoDatasetGenerator.Options dataset;
    private final String config;
    private final PrintWriter out;

    public PrepareBenchmark(Path dir, DemoDatasetGenerator.Options dataset, String config, PrintWriter out) {
        this.dir = dir;
        this.dataset = dataset;
        this.config = config;
        this.out = out;
    }

    /** The folder of the generated dataset (made once per size and seed). */
    public Path datasetDir() {
        return dir.resolve(String.format(Locale.ROOT, "dataset-%d-%d-%d-%d", dataset.studies(), dataset.size(),
                dataset.slices(), dataset.seed()));
    }

    public void generateIfMissing() throws IOException {
        Path d = datasetDir();
        if (Files.isRegularFile(d.resolve("train.csv"))) {
            return;
        }
        out.printf("generating %d studies (%d px, ~%d slices each) in %s%n", dataset.studies(), dataset.size(),
                dataset.slices(), d);
        out.flush();
        new DemoDatasetGenerator(dataset).generate(d, null);
    }

    /** Forgets earlier runs: their outputs and the benchmark's own job repository. */
    public void clean() throws IOException {
        AtomicFiles.deleteTree(dir.resolve("db"));
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("work-")).toList()) {
                AtomicFiles.deleteTree(p);
            }
        }
    }

    public JobExecution run(JobRunner runner, int number) throws Exception {
        Path work = dir.resolve("work-" + number);
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        JobExecution e = runner.run("prepare", runner.parameters("prepare",
                Map.of("data", datasetDir().toString(), "work", work.toString(), "config", config)),
                new PrintWriter(new StringWriter()));
        if (e.getStatus() != BatchStatus.COMPLETED) {
            throw new IllegalStateException("prepare ended " + e.getStatus() + ": " + e.getAllFailureExceptions());
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        StepExecution meta = step(e, "sliceMetadata");
        StepExecution boxes = step(e, "bboxLabels");
        double metaSeconds = seconds(meta);
        double boxSeconds = seconds(boxes);
        out.printf(Locale.ROOT, "sliceMetadata  %8d slices  in %6.2f s: %8.0f slices/s%n", meta.getReadCount(),
                metaSeconds, meta.getReadCount() / metaSeconds);
        out.printf(Locale.ROOT, "bboxLabels     %8d studies in %6.2f s: %8.2f studies/s%n", boxes.getReadCount(),
                boxSeconds, boxes.getReadCount() / boxSeconds);
        out.printf(Locale.ROOT, "whole job %.2f s; peak heap used %d MB of %d MB max%n", seconds(e),
                peak >> 20, Runtime.getRuntime().maxMemory() >> 20);
        out.flush();
        return e;
    }

    private static StepExecution step(JobExecution e, String name) {
        return e.getStepExecutions().stream().filter(s -> s.getStepName().equals(name)).findFirst().orElseThrow();
    }

    private static double seconds(StepExecution s) {
        return Duration.between(s.getStartTime(), s.getEndTime()).toNanos() / 1e9;
    }

    private static double seconds(JobExecution e) {
        return Duration.between(e.getStartTime(), e.getEndTime()).toNanos() / 1e9;
    }

}
