package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * SiLU (swish with β = 1), x·σ(x), in two engine operations instead of the three of DJL's swish block
 * (which first multiplies by β). Outside training the product is taken in place on σ(x), saving an
 * allocation of the activation's size; in training σ(x) must stay intact for the backward pass.
 */
public final class Silu extends AbstractBlock {

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray s = Activation.sigmoid(x);
        return new NDList(training ? x.mul(s) : s.muli(x));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
