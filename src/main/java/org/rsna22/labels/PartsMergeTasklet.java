package org.rsna22.labels;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
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

    /**
     * @param itemsOf how many items the step had, from the admitted studies (for the skip share)
     */
    public PartsMergeTasklet(WorkLayout work, String step, String header, Path target, double maxSkipShare,
                             ToLongFunction<List<StudyEntry>> itemsOf) {
        this.work = work;
        this.step = step;
        this.header = header;
        this.target = target;
        this.maxSkipShare = maxSkipShare;
        this.itemsOf = itemsOf;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        long skipped = rebuildSkipLog(work).getOrDefault(step, 0L);
        SkipShare.check(step, skipped, itemsOf.applyAsLong(StudyListTasklet.readStudies(work)), maxSkipShare,
                work.skipped());
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

    /**
     * Before prepare is restarted after a skip-share failure (the user fixed the data): the partitions that skipped
     * items must read them again, not only the merge. Each such partition's last execution is marked FAILED with its
     * context cleared (so it starts over), its part and skip files go, and the partitioned step is marked FAILED, so
     * that the restart runs those partitions again, and only those. Called outside the job, on its last execution.
     */
    public static void reopenAfterSkipShareFailure(JobRepository repository, JobExecution last, WorkLayout work)
            throws IOException {
        for (String step : PARTITIONED_STEPS) {
            StepExecution merge = repository.getLastStepExecution(last.getJobInstance(), step + "Merge");
            if (merge == null || merge.getStatus() != BatchStatus.FAILED
                    || !merge.getExitStatus().getExitDescription().contains("max_skip_share")) {
                continue;
            }
            Path dir = work.preparePartDir(step);
            int reopened = 0;
            for (Path skips : WorkLayout.partFiles(dir, true)) {
                if (Files.readAllLines(skips, StandardCharsets.UTF_8).stream().allMatch(String::isBlank)) {
                    continue;
                }
                String file = skips.getFileName().toString();
                String partition = file.substring(0, file.length() - WorkLayout.partFileName("", true).length());
                StepExecution p = repository.getLastStepExecution(last.getJobInstance(), step + "Partition:" + partition);
                if (p == null) {
                    continue;
                }
                p.setStatus(BatchStatus.FAILED);
                p.setExitStatus(ExitStatus.FAILED.addExitDescription("read again: the step skipped too many items"));
                p.setExecutionContext(partitionOnly(p.getExecutionContext()));
                repository.update(p);
                repository.updateExecutionContext(p);
                Files.deleteIfExists(dir.resolve(WorkLayout.partFileName(partition, false)));
                Files.delete(skips);
                reopened++;
            }
            StepExecution manager = repository.getLastStepExecution(last.getJobInstance(), step);
            if (reopened > 0 && manager != null) {
                manager.setStatus(BatchStatus.FAILED);
                manager.setExitStatus(ExitStatus.FAILED.addExitDescription(reopened
                        + " partitions that skipped items run again"));
                repository.update(manager);
            }
        }
        rebuildSkipLog(work);
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
