package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.training.loss.Loss;

/**
 * The slice models' loss (SPEC §6-7): {@code sum(w · (σ(z) - y)² · m) / (K · sum(m))} over the images of a window,
 * where w is {@code nonzeroWeight} (the original's 2) for non-zero targets and 1 otherwise and m masks the padding
 * images.
 * Labels: NDList(targets (B, T, K), mask (B, T)); predictions: NDList(raw (B, T, K)).
 */
public final class SequenceMseLoss extends Loss {

    private final float nonzeroWeight;

    public SequenceMseLoss() {
        this(2);
    }

    public SequenceMseLoss(double nonzeroWeight) {
        super("SequenceMse");
        this.nonzeroWeight = (float) nonzeroWeight;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray y = labels.get(0);
        NDArray m = labels.get(1).expandDims(-1);
        // the engine's sigmoid: 1 / (1 + exp(-z)) overflows for very negative z and its gradient turns NaN
        NDArray p = Activation.sigmoid(predictions.get(0));
        NDArray w = y.gt(0).toType(y.getDataType(), false).mul(nonzeroWeight - 1).add(1);
        long k = y.getShape().get(2);
        return p.sub(y).square().mul(w).mul(m).sum().div(m.sum().mul(k).maximum(1));
    }
}
