package org.rsna22.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's intra-op threads when several runs train at once on the CPU ({@code parallel_runs} above 1): each run's
 * thread computes on {@code cores / runs} threads instead of every core, so that two small networks on 2 cores run
 * side by side rather than each splitting every operation over both cores and waiting on the other (on the demo's
 * 64-pixel models: train-fracture 663 s one run after another, 534 s two at once on one thread each).
 *
 * <p>PyTorch reads the count into a thread the first time that thread runs an operation; a share is taken by a
 * partition's thread before its first operation and the count goes back to the process's own when the last share of
 * the runs ends, so that later steps compute on every core again. A count set by the user
 * ({@code -Dai.djl.pytorch.num_threads}) is left alone.
 */
public final class CpuThreads {

    private static int holders;
    private static int own;

    private CpuThreads() {
    }

    /** The threads each of {@code runs} runs at once computes on: the cores shared out, at least one. */
    public static int share(int cores, int runs) {
        return Math.max(1, cores / Math.max(1, runs));
    }

    /** Runs {@code work} on this thread with PyTorch's count set to {@code threads} while it lasts. */
    public static void during(int threads, Runnable work) {
        if (System.getProperty("ai.djl.pytorch.num_threads") != null) {
            work.run();
            return;
        }
        Engine.getEngine("PyTorch"); // its native library, loaded before the first call into it
        synchronized (CpuThreads.class) {
            if (holders++ == 0) {
                own = JniUtils.getNumThreads();
            }
            JniUtils.setNumThreads(threads); // this thread's count and the one later threads start with
        }
        try {
            work.run();
        } finally {
            synchronized (CpuThreads.class) {
                if (--holders == 0) {
                    JniUtils.setNumThreads(own);
                }
            }
        }
    }
}
