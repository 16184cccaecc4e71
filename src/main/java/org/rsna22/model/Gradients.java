package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording for one training step of the calling thread: what DJL 0.33's PtGradientCollector does (grad mode
 * on in this thread, a backward pass from the loss with a gradient of ones, grad mode back as it was), without its
 * process-wide flag that lets only one collector exist at a time, so that several (fold, seed) runs train at once,
 * each on its own device. The same engine calls in the same order: the same gradients, byte for byte.
 */
public final class Gradients implements AutoCloseable {

    private final boolean previous;

    private Gradients() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /** Starts recording the operations of this thread. */
    public static Gradients record() {
        return new Gradients();
    }

    /** Accumulates d(loss)/d(parameter) into every parameter's gradient. */
    public void backward(NDArray loss) {
        NDArray ones = loss.getManager().ones(loss.getShape(), loss.getDataType()).toDevice(loss.getDevice(), false);
        JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
