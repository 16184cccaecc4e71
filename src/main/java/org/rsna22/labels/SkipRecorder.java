package org.rsna22.labels;

import java.io.IOException;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.dataset.StudyItem;
import org.rsna22.io.IoErrors;
import org.springframework.batch.core.listener.SkipListener;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStream;
import org.springframework.batch.infrastructure.item.file.FlatFileItemWriter;

/**
 * Writes each skipped item of a partition, with its reason, to the partition's skip part. The part is a
 * transactional, restartable file written with the chunk, so a killed chunk leaves no record behind and a
 * restart records it once.
 */
public class SkipRecorder implements SkipListener<StudyItem, Object>, ItemStream {

    private final String step;
    private final FlatFileItemWriter<SkipRecord> writer;

    public SkipRecorder(String step, FlatFileItemWriter<SkipRecord> writer) {
        this.step = step;
        this.writer = writer;
    }

    @Override
    public void onSkipInProcess(StudyItem item, Throwable t) {
        write(new SkipRecord(step, item.studyUid(), item.sliceLabel(), reason(t)));
    }

    @Override
    public void onSkipInRead(Throwable t) {
        write(new SkipRecord(step, "", "", reason(t)));
    }

    @Override
    public void onSkipInWrite(Object item, Throwable t) {
        String uid = item instanceof StudyItem s ? s.studyUid() : "";
        write(new SkipRecord(step, uid, "", reason(t)));
    }

    private void write(SkipRecord r) {
        try {
            writer.write(Chunk.of(r));
        } catch (Exception e) {
            throw new IllegalStateException("cannot record a skip in " + step + ": " + e.getMessage(), e);
        }
    }

    static String reason(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && !(cause instanceof IOException)
                && !(cause instanceof SkippedItemException)) {
            cause = cause.getCause();
        }
        return IoErrors.describe(cause);
    }

    @Override
    public void open(ExecutionContext ctx) {
        writer.open(ctx);
    }

    @Override
    public void update(ExecutionContext ctx) {
        writer.update(ctx);
    }

    @Override
    public void close() {
        writer.close();
    }
}
