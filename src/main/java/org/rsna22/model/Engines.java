package org.rsna22.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Starts the deep-learning engine in the calling thread, once per process, before any job or worker thread uses it.
 * PyTorch sets up its threading state where it is first used: started by a partition's thread, the same models gave
 * probabilities that differed in the 8th digit from those of a process that had started it elsewhere (a `run
 * infer-fracture` against the pipeline that trained the models). Started in one known place, every process computes
 * the same bytes.
 */
public final class Engines {

    private static volatile boolean started;

    private Engines() {
    }

    /** Loads the engine and runs one small operation on this thread (a second call does nothing). */
    public static synchronized void start() {
        if (started) {
            return;
        }
        try (NDManager m = Engine.getInstance().newBaseManager()) {
            m.ones(new Shape(64, 64)).matMul(m.ones(new Shape(64, 64))).sum().getFloat();
        }
        started = true;
    }
}
