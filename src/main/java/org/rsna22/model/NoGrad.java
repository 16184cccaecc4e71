package org.rsna22.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * A prediction scope of the calling thread without autograd. PyTorch records the graph of every operation on
 * parameters while grad mode is on, and grad mode is a per-thread setting that DJL turns off only in the thread that
 * started the engine: a partition's thread predicting the training set at 512 pixels kept every activation of a
 * 64-triplet batch for a backward pass that never came (24 GiB, then killed), and computed through other kernels than
 * the engine's own thread, so the same study got probabilities that differed in the 8th digit from one process to the
 * next. Every prediction runs inside one: {@code try (NoGrad g = NoGrad.enter()) { ... }}.
 */
public final class NoGrad implements AutoCloseable {

    private final boolean previous;

    private NoGrad() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
    }

    /** Turns autograd off in this thread until {@link #close}. */
    public static NoGrad enter() {
        return new NoGrad();
    }

    /** Restores the thread's grad mode as it was. */
    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
