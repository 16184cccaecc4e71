package org.rsna22.batch;

import java.util.List;
import org.springframework.batch.infrastructure.item.support.AbstractItemCountingItemStreamItemReader;

/** The items of one partition from a list, one by one; restartable by item count without re-reading. */
public class RestartableListReader<T> extends AbstractItemCountingItemStreamItemReader<T> {
    private final List<T> items;

    public RestartableListReader(String name, List<T> items) {
        this.items = items;
        setName(name);
    }

    @Override
    protected T doRead() {
        int i = getCurrentItemCount() - 1; // the count is incremented before doRead
        return i < items.size() ? items.get(i) : null;
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
