package org.rsna22.batch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.WriteFence;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.WriteFailedException;
import org.springframework.batch.infrastructure.item.file.FlatFileItemWriter;
import org.springframework.core.io.FileSystemResource;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A partition's part file: lines are kept in memory while a chunk runs and written to the file when the step saves
 * its state ({@link #update}), inside the chunk's transaction and before the repository records the chunk. So:
 * <ul>
 * <li>a failed write (a full disk) fails the partition, FAILED with the file named, and nothing of the chunk is
 * recorded; Spring Batch's own transactional writer writes after the commit, where a failure leaves the execution
 * UNKNOWN, and a failure inside {@code ItemWriter.write} goes through Spring Batch 6.0's fault-tolerant write path,
 * which here ended the partition COMPLETED without the chunk's rows;</li>
 * <li>a chunk that rolls back leaves nothing behind: its lines are dropped, and bytes of a failed write are cut off at
 * the restart (the file is truncated to the position saved at the last commit);</li>
 * <li>a short write, which the JDK's channel writer drops silently when the file system fills up, is detected by
 * comparing the bytes the file grew by with the bytes of the lines.</li>
 * </ul>
 */
final class PartFileWriter<T> extends FlatFileItemWriter<T> {

    private final Path file;
    private final List<T> pending = new ArrayList<>();
    private boolean registered;

    PartFileWriter(Path file, Function<T, String> line) {
        super(new FileSystemResource(file), line::apply);
        this.file = file;
        setLineSeparator("\n");
        setShouldDeleteIfExists(true);
        setTransactional(false);
        setSaveState(true);
    }

    @Override
    public void write(Chunk<? extends T> items) {
        if (!registered && TransactionSynchronizationManager.isSynchronizationActive()) {
            registered = true;
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    pending.clear(); // written by update() when committed; dropped when rolled back
                    registered = false;
                }
            });
        }
        pending.addAll(items.getItems());
    }

    /** The key suffix of the mark that a save of this writer's position began and has not ended (PartialStateGuard). */
    static final String PENDING = ".save.pending";

    @Override
    public void update(ExecutionContext ctx) {
        // marked first: a failure below leaves the mark in the context Spring Batch stores with the failed partition,
        // whose other streams may already have saved positions past rows this file never took
        ctx.put(getName() + PENDING, Boolean.TRUE);
        WriteFence.check(); // a partition given up by the manager appends nothing to the file its new attempt writes
        if (!pending.isEmpty()) {
            Chunk<T> lines = new Chunk<>(new ArrayList<>(pending));
            pending.clear();
            flush(lines);
        }
        super.update(ctx);
        ctx.remove(getName() + PENDING);
    }

    private void flush(Chunk<T> lines) {
        try {
            long expected = doWrite(lines).getBytes(StandardCharsets.UTF_8).length;
            long before = getOutputState().position();
            super.write(lines);
            long written = getOutputState().position() - before;
            if (written != expected) {
                throw new IOException("No space left on device: " + written + " of " + expected + " bytes written");
            }
        } catch (WriteFailedException e) {
            throw failure(e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
        } catch (IOException e) {
            throw failure(e);
        } catch (Exception e) {
            throw new ItemStreamException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private ItemStreamException failure(IOException e) {
        IOException named = AtomicFiles.writeFailure(file, e);
        return new ItemStreamException(named == e ? "cannot write " + file + ": " + e.getMessage() : named.getMessage(),
                named);
    }
}
