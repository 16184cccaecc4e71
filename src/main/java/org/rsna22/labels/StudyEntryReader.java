package org.rsna22.labels;

import java.util.List;
import org.springframework.batch.infrastructure.item.support.AbstractItemCountingItemStreamItemReader;

/** The studies of one partition, one item each; restartable by item count. */
public class StudyEntryReader extends AbstractItemCountingItemStreamItemReader<StudyEntry> {
    private final List<StudyEntry> studies;

    public StudyEntryReader(List<StudyEntry> studies) {
        this.studies = studies;
        setName("studies");
    }

    @Override
    protected StudyEntry doRead() {
        int i = getCurrentItemCount() - 1; // the count is incremented before doRead
        return i < studies.size() ? studies.get(i) : null;
    }

    @Override
    protected void doOpen() {
    }

    @Override
    protected void doClose() {
    }

    @Override
    protected void jumpToItem(int itemIndex) {
        // doRead indexes by the restored count, so nothing needs reading
    }
}
