package org.rsna22.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.rsna22.model.Augmenter;
import org.rsna22.model.TripletSamples;

/**
 * Prepares batches on background threads, a bounded number ahead, and hands them out in order, so that
 * decoding never starves training and the result does not depend on thread timing: every sample's
 * augmentation draws from its own random source, seeded by (seed, epoch, position).
 */
final class BatchLoader implements AutoCloseable {

    private final TripletSamples samples;
    private final List<TripletSamples.Ref> order;
    private final int batchSize;
    private final Augmenter augmenter;
    private final long seed;
    private final ExecutorService pool;
    private final Deque<Future<HostBatch>> ahead = new ArrayDeque<>();
    private final int prefetch;
    private int nextToSubmit;

    BatchLoader(TripletSamples samples, List<TripletSamples.Ref> order, int batchSize, Augmenter augmenter, long seed,
                int threads, int prefetch, int firstBatch) {
        this.samples = samples;
        this.order = order;
        this.batchSize = batchSize;
        this.augmenter = augmenter;
        this.seed = seed;
        this.prefetch = prefetch;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "batch-loader");
            t.setDaemon(true);
            return t;
        });
        this.nextToSubmit = firstBatch;
        fill();
    }

    int batches() {
        return (order.size() + batchSize - 1) / batchSize;
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
            throw c instanceof UncheckedIOException u ? u.getCause() : new IOException(c.getMessage(), c);
        }
    }

    private void fill() {
        while (ahead.size() < prefetch && nextToSubmit < batches()) {
            int b = nextToSubmit++;
            ahead.add(pool.submit(() -> build(b)));
        }
    }

    private HostBatch build(int b) {
        int from = b * batchSize;
        int to = Math.min(order.size(), from + batchSize);
        int n = to - from;
        int plane = samples.size() * samples.size();
        float[] images = new float[n * 3 * plane];
        float[] boxes = new float[n * 4];
        float[] has = new float[n];
        for (int i = 0; i < n; i++) {
            Random rnd = new Random(seed * 0x9E3779B97F4A7C15L + from + i);
            TripletSamples.Sample s;
            try {
                s = samples.load(order.get(from + i), augmenter, rnd);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (int k = 0; k < 3; k++) {
                System.arraycopy(s.channels()[k], 0, images, (i * 3 + k) * plane, plane);
            }
            System.arraycopy(s.box(), 0, boxes, i * 4, 4);
            has[i] = s.hasBox() ? 1f : 0f;
        }
        return new HostBatch(n, images, boxes, has);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
