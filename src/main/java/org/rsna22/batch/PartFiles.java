package org.rsna22.batch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.rsna22.labels.SkipRecorder;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.file.FlatFileItemWriter;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * What the partitioned steps share: per-partition files (transactional and restartable, merged in order
 * later). {@link PartitionHandlers} decides where the partitions run.
 */
final class PartFiles {
    private PartFiles() {
    }

    /**
     * A tasklet that removes a part folder: the first step of a job, so a fresh run never merges stale parts. The
     * {@code outputs} go with it (a test set's submission.csv, which must not outlive a run on another test set).
     */
    static Tasklet clean(Path dir, Path... outputs) {
        return (contribution, chunk) -> {
            AtomicFiles.deleteTree(dir);
            List<String> removed = new ArrayList<>();
            for (Path out : outputs) {
                if (Files.deleteIfExists(out)) {
                    LoggerFactory.getLogger(PartFiles.class).info("removed {}: it belonged to an earlier run", out);
                    removed.add(out.getFileName().toString());
                }
            }
            if (!removed.isEmpty()) {
                chunk.getStepContext().getStepExecution().setExitStatus(ExitStatus.COMPLETED.addExitDescription(
                        "removed the earlier run's " + String.join(", ", removed)));
            }
            return RepeatStatus.FINISHED;
        };
    }

    /** Records a partition's skipped items, each with its reason, in its skip part file in DIR. */
    static SkipRecorder skipRecorder(Path dir, String step, String stepName) {
        return new SkipRecorder(step, writer(dir, stepName, true, SkipRecord::csvLine));
    }

    /**
     * A writer of a part file (or, with {@code skips}, a skip part file) in DIR, named after the partition step:
     * restartable, written at each commit ({@link PartFileWriter}).
     */
    static <T> FlatFileItemWriter<T> writer(Path dir, String stepName, boolean skips, Function<T, String> line) {
        String partition = stepName.substring(stepName.indexOf(':') + 1);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PartFileWriter<T> writer = new PartFileWriter<>(dir.resolve(WorkLayout.partFileName(partition, skips)), line);
        writer.setName(WorkLayout.partFileName(partition, skips));
        return writer;
    }
}
