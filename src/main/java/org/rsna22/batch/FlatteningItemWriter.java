package org.rsna22.batch;

import java.util.List;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.batch.infrastructure.item.ItemWriter;

/** Writes items that are lists (a study's rows) as their elements, through a delegate stream writer. */
public class FlatteningItemWriter<T> implements ItemStreamWriter<List<T>> {
    private final ItemStreamWriter<T> delegate;

    public FlatteningItemWriter(ItemStreamWriter<T> delegate) {
        this.delegate = delegate;
    }

    @Override
    public void write(Chunk<? extends List<T>> chunk) throws Exception {
        Chunk<T> flat = new Chunk<>();
        for (List<T> items : chunk) {
            items.forEach(flat::add);
        }
        ((ItemWriter<T>) delegate).write(flat);
    }

    @Override
    public void open(ExecutionContext ctx) {
        delegate.open(ctx);
    }

    @Override
    public void update(ExecutionContext ctx) {
        delegate.update(ctx);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
