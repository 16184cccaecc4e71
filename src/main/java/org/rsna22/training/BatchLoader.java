package org.rsna22.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Prepares batches on background threads, a bounded number ahead, and hands them out in order, so that
 * decoding never starves training and the result does not depend on thread timing (a batch is a pure function of
 * its index).
 */
final class BatchLoader implements AutoCloseable {

    /** Builds batch number b. */
    @FunctionalInterface
    interface Builder {
        HostBatch build(int b) throws IOException;
    }

    private final Builder builder;
    private final int batches;
    private final ExecutorService pool;
    private final Deque<Future<HostBatch>> ahead = new ArrayDeque<>();
    private final int prefetch;
    private int nextToSubmit;

    BatchLoader(Builder builder, int batches, int threads, int prefetch) {
        this.builder = builder;
        this.batches = batches;
        this.prefetch = prefetch;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "batch-loader");
            t.setDaemon(true);
            return t;
        });
        fill();
    }

    boolean hasNext() {
        return !ahead.isEmpty();
    }

    HostBatch next() throws IOException {
        Future<HostBatch> f = ahead.poll();
        fill();
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading a batch", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof UncheckedIOException u ? u.getCause()
                    : c instanceof IOException io ? io : new IOException(c.getMessage(), c);
        }
    }

    private void fill() {
        while (ahead.size() < prefetch && nextToSubmit < batches) {
            int b = nextToSubmit++;
            ahead.add(pool.submit(() -> builder.build(b)));
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
