package org.rsna22.bench;

import java.util.Arrays;

/** How the benchmarks measure a rate, the same way as their Python peers. */
final class Throughput {

    private static final int WINDOWS = 5;

    private Throughput() {
    }

    /**
     * Throughput of {@code r}: a warm-up of a fifth of the time (JIT, allocator, oneDNN primitive caches), then
     * five equal windows; the median window's rate, so that a stray pause on a shared 2-core machine does not
     * decide the result. the Python peers measure the same way.
     */
    static double measure(Runnable r, int perCall, double seconds) {
        long warmEnd = System.nanoTime() + (long) (seconds / 5 * 1e9);
        do {
            r.run();
        } while (System.nanoTime() < warmEnd);
        double[] rates = new double[WINDOWS];
        for (int w = 0; w < WINDOWS; w++) {
            long t0 = System.nanoTime();
            long n = 0;
            while (System.nanoTime() - t0 < seconds / WINDOWS * 1e9) {
                r.run();
                n += perCall;
            }
            rates[w] = n / ((System.nanoTime() - t0) / 1e9);
        }
        return median(rates);
    }

    /** The median of the values (the mean of the middle two for an even count). */
    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
