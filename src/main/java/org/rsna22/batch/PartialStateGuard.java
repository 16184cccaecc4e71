package org.rsna22.batch;

import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Restarts a partition from its start when its last attempt failed in the middle of saving its state. At a commit
 * every stream of the step saves its position into the step's context in turn; when one fails after another has saved
 * (the part file's write fence cannot reach a restarting database, after the reader recorded the chunk as read),
 * Spring Batch still stores the half-updated context with the failed partition. Restarted from it, the reader would
 * skip the chunk the part file never took: the job would complete with those rows missing. {@link PartFileWriter}
 * marks its save as pending until it is done; a partition that starts with the mark drops every stream's position,
 * so its reader starts over and its part files are written anew.
 */
final class PartialStateGuard implements StepExecutionListener {

    private static final Logger LOG = LoggerFactory.getLogger(PartialStateGuard.class);

    /** What streams keep of their position: item readers, flat-file writers, and the pending mark itself. */
    static final List<String> STATE_SUFFIXES = List.of(".read.count", ".read.count.max", ".current.count",
            ".written", PartFileWriter.PENDING);

    @Override
    public void beforeStep(StepExecution step) {
        ExecutionContext ctx = step.getExecutionContext();
        boolean pending = ctx.entrySet().stream().anyMatch(e -> e.getKey().endsWith(PartFileWriter.PENDING)
                && Boolean.TRUE.equals(e.getValue()));
        if (!pending) {
            return;
        }
        List<String> state = ctx.entrySet().stream().map(Map.Entry::getKey)
                .filter(k -> STATE_SUFFIXES.stream().anyMatch(k::endsWith)).toList();
        state.forEach(ctx::remove);
        LOG.warn("{}: its last attempt failed while saving its position, so that position is not one the part files "
                + "match; it runs again from its start", step.getStepName());
    }
}
