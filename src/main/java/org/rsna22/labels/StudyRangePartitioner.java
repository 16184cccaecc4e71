package org.rsna22.labels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.ops.PartitionRanges;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Splits the admitted studies (in studies.csv order) into partitions of a fixed number of studies, named
 * {@code studies-0000}, {@code studies-0001}, ...: the names stay the same on restart, so only the
 * partitions that failed run again.
 */
public class StudyRangePartitioner implements Partitioner {

    private final WorkLayout work;
    private final int studiesPerPartition;
    private final Predicate<StudyEntry> filter;
    private final ToIntFunction<StudyEntry> itemsPerStudy;
    private final String unit;

    /**
     * @param itemsPerStudy how many items of the step a study makes (for progress)
     * @param unit          what the items are called ("slices", "studies")
     */
    public StudyRangePartitioner(WorkLayout work, int studiesPerPartition, Predicate<StudyEntry> filter,
                                 ToIntFunction<StudyEntry> itemsPerStudy, String unit) {
        this.work = work;
        this.studiesPerPartition = studiesPerPartition;
        this.filter = filter;
        this.itemsPerStudy = itemsPerStudy;
        this.unit = unit;
    }

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        List<StudyEntry> studies;
        try {
            studies = StudyListTasklet.readStudies(work).stream().filter(filter).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return PartitionRanges.of(studies, studiesPerPartition, itemsPerStudy::applyAsInt, unit);
    }

    /** The studies of one partition. */
    public static List<StudyEntry> studiesOf(WorkLayout work, Predicate<StudyEntry> filter, int first, int count)
            throws IOException {
        List<StudyEntry> all = StudyListTasklet.readStudies(work).stream().filter(filter).toList();
        return all.subList(first, Math.min(all.size(), first + count));
    }
}
