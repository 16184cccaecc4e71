package org.rsna22.labels;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.rsna22.dataset.Csv;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.rsna22.ops.JobProgressService;
import org.rsna22.ops.PartitionRanges;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Joins the part files of a partitioned step, in partition order, into one gzipped CSV by atomic rename;
 * rebuilds skipped.csv from every step's skip parts; fails when the step skipped too large a share.
 */
public class PartsMergeTasklet implements Tasklet {

    /** The partitioned steps of the prepare job, in order: their skip parts make skipped.csv. */
    static final List<String> PARTITIONED_STEPS = List.of("sliceMetadata", "bboxLabels");

    private final WorkLayout work;
    private final String step;
    private final String header;
    private final Path target;
    private final double maxSkipShare;
    private final ToLongFunction<List<StudyEntry>> itemsOf;
    private final JobRepository repository;
    private final Supplier<Collection<String>> partitions;

    /**
     * @param itemsOf how many items the step had, from the admitted studies (for the skip share)
     */
    public PartsMergeTasklet(WorkLayout work, String step, String header, Path target, double maxSkipShare,
                             ToLongFunction<List<StudyEntry>> itemsOf) {
        this(work, step, header, target, maxSkipShare, itemsOf, null, List::of);
    }

    /**
     * @param repository  where the partitions' records of their part files are (null: parts are not verified)
     * @param partitions  the names of the step's partitions (slices-0000 …)
     */
    public PartsMergeTasklet(WorkLayout work, String step, String header, Path target, double maxSkipShare,
                             ToLongFunction<List<StudyEntry>> itemsOf, JobRepository repository,
                             Supplier<Collection<String>> partitions) {
        this.repository = repository;
        this.partitions = partitions;
        this.work = work;
        this.step = step;
        this.header = header;
        this.target = target;
        this.maxSkipShare = maxSkipShare;
        this.itemsOf = itemsOf;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
        long skipped = rebuildSkipLog(work).getOrDefault(step, 0L);
        try {
            SkipShare.check(step, skipped, itemsOf.applyAsLong(StudyListTasklet.readStudies(work)), maxSkipShare,
                    work.skipped());
        } catch (IllegalStateException tooMany) {
            markForRestart(job, skippingPartitions());
            throw tooMany;
        }
        Map<String, String> damaged = damagedParts(job.getJobInstance());
        if (!damaged.isEmpty()) {
            markForRestart(job, List.copyOf(damaged.keySet()));
            throw new IllegalStateException(step + ": " + damaged.size() + " part files do not match what their "
                    + "partitions wrote: " + String.join("; ", damaged.values()) + ". Restart: those partitions run again.");
        }
        long[] rows = {0};
        List<Path> parts = WorkLayout.partFiles(work.preparePartDir(step), false);
        AtomicFiles.write(target, out -> {
            GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
            Writer w = new OutputStreamWriter(gz, StandardCharsets.UTF_8);
            w.write(header);
            w.write('\n');
            for (Path p : parts) {
                try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        w.write(line);
                        w.write('\n');
                        rows[0]++;
                    }
                }
            }
            w.flush();
            gz.finish();
        });
        contribution.incrementWriteCount(rows[0]);
        return RepeatStatus.FINISHED;
    }

    /** The key of the job context that lists, per partitioned step, the partitions a restart must run again. */
    static final String REOPEN = "prepare.reopen.";

    /** The partitions (names like slices-0003) whose skip part file has rows. */
    private List<String> skippingPartitions() throws IOException {
        List<String> out = new ArrayList<>();
        for (Path skips : WorkLayout.partFiles(work.preparePartDir(step), true)) {
            if (!Files.readAllLines(skips, StandardCharsets.UTF_8).stream().allMatch(String::isBlank)) {
                out.add(partitionOf(skips, true));
            }
        }
        return out;
    }

    /**
     * Per partition whose part file is missing, or differs from the bytes and lines its writer recorded in the
     * partition's context: what is wrong, naming the file.
     */
    private Map<String, String> damagedParts(JobInstance instance) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (repository == null) {
            return out;
        }
        Path dir = work.preparePartDir(step);
        for (String partition : partitions.get()) {
            StepExecution p = repository.getLastStepExecution(instance, step + "Partition:" + partition);
            if (p == null) {
                continue;
            }
            String writer = WorkLayout.partFileName(partition, false);
            ExecutionContext ctx = p.getExecutionContext();
            Path part = dir.resolve(writer);
            if (!ctx.containsKey(writer + ".current.count")) {
                continue; // nothing recorded (written before records were kept)
            }
            long bytes = ctx.getLong(writer + ".current.count");
            long lines = ctx.getLong(writer + ".written", -1);
            if (!Files.isRegularFile(part)) {
                out.put(partition, part + " is missing (its partition wrote " + lines + " rows)");
                continue;
            }
            long size = Files.size(part);
            long found;
            try (Stream<String> l = Files.lines(part, StandardCharsets.UTF_8)) {
                found = l.count();
            }
            if (size != bytes || (lines >= 0 && found != lines)) {
                out.put(partition, part + " has " + size + " bytes and " + found + " rows, its partition wrote "
                        + bytes + " bytes and " + lines + " rows");
            }
        }
        return out;
    }

    /** Lists partitions in the job's context for {@link #reopenBeforeRestart}; saved with the failed execution. */
    private void markForRestart(JobExecution job, List<String> partitionNames) {
        job.getExecutionContext().putString(REOPEN + step, String.join(",", partitionNames));
    }

    private static String partitionOf(Path partFile, boolean skips) {
        String file = partFile.getFileName().toString();
        return file.substring(0, file.length() - WorkLayout.partFileName("", skips).length());
    }

    /**
     * Before prepare is restarted after a failed merge (too many skips, and the user fixed the data; or a part file
     * that does not match its partition's record): the partitions the merge listed must run again, not only the
     * merge. Each one's last execution is marked FAILED with its state cleared (so it starts over), its part and skip
     * files go, and the partitioned step is marked FAILED, so that the restart runs those partitions again, and only
     * those. Called outside the job, on its last execution.
     */
    public static void reopenBeforeRestart(JobRepository repository, JobExecution last, WorkLayout work)
            throws IOException {
        boolean any = false;
        for (String step : PARTITIONED_STEPS) {
            String listed = last.getExecutionContext().getString(REOPEN + step, "");
            if (listed.isEmpty()) {
                continue;
            }
            Path dir = work.preparePartDir(step);
            int reopened = 0;
            for (String partition : listed.split(",")) {
                StepExecution p = repository.getLastStepExecution(last.getJobInstance(), step + "Partition:" + partition);
                if (p == null) {
                    continue;
                }
                p.setStatus(BatchStatus.FAILED);
                p.setExitStatus(ExitStatus.FAILED.addExitDescription("runs again: its merge failed"));
                p.setExecutionContext(partitionOnly(p.getExecutionContext()));
                repository.update(p);
                repository.updateExecutionContext(p);
                Files.deleteIfExists(dir.resolve(WorkLayout.partFileName(partition, false)));
                Files.deleteIfExists(dir.resolve(WorkLayout.partFileName(partition, true)));
                reopened++;
            }
            StepExecution manager = repository.getLastStepExecution(last.getJobInstance(), step);
            if (reopened > 0 && manager != null) {
                manager.setStatus(BatchStatus.FAILED);
                manager.setExitStatus(ExitStatus.FAILED.addExitDescription(reopened + " partitions run again"));
                repository.update(manager);
            }
            last.getExecutionContext().remove(REOPEN + step);
            any = true;
        }
        if (any) {
            repository.updateExecutionContext(last);
            rebuildSkipLog(work);
        }
    }

    /** What the partitioner put in a partition's context (its studies, progress unit and size), without any state. */
    private static ExecutionContext partitionOnly(ExecutionContext ctx) {
        ExecutionContext out = new ExecutionContext();
        for (String key : List.of(PartitionRanges.FIRST, PartitionRanges.COUNT, JobProgressService.EXPECTED,
                JobProgressService.UNIT)) {
            if (ctx.containsKey(key)) {
                out.put(key, ctx.get(key));
            }
        }
        return out;
    }

    /** Writes skipped.csv from all skip parts so far; returns the number of skips per step. */
    static Map<String, Long> rebuildSkipLog(WorkLayout work) throws IOException {
        Map<String, Long> counts = new LinkedHashMap<>();
        List<Path> sources = new ArrayList<>();
        if (Files.exists(work.studyListSkipped())) {
            sources.add(work.studyListSkipped());
        }
        for (String s : PARTITIONED_STEPS) {
            sources.addAll(WorkLayout.partFiles(work.preparePartDir(s), true));
        }
        StringBuilder sb = new StringBuilder(SkipRecord.HEADER).append('\n');
        for (Path p : sources) {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    sb.append(line).append('\n');
                    counts.merge(Csv.parse(line).get(0), 1L, Long::sum);
                }
            }
        }
        AtomicFiles.write(work.skipped(), sb.toString().getBytes(StandardCharsets.UTF_8));
        return counts;
    }
}
