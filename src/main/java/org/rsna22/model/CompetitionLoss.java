package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * The competition metric as a loss (SPEC §2, §8): per study {@code sum_j w_j·BCE(y_j, σ(z_j)) / sum_j w_j} with
 * w = 7 (patient_overall) or 1 (a vertebra), doubled for a positive label; the mean over the batch.
 * Labels: NDList(y (B, 8)) in [patient_overall, C1..C7] order; predictions: NDList(logits (B, 8)).
 */
public final class CompetitionLoss extends Loss {

    public CompetitionLoss() {
        super("CompetitionLoss");
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray y = labels.get(0);
        NDArray z = predictions.get(0);
        float[] base = {7, 1, 1, 1, 1, 1, 1, 1};
        NDArray w = y.add(1).mul(y.getManager().create(base));
        // max(z, 0) - z·y + log(1 + exp(-|z|)), the numerically stable form
        NDArray bce = z.maximum(0).sub(z.mul(y)).add(z.abs().neg().exp().add(1).log());
        return bce.mul(w).sum(new int[] {1}).div(w.sum(new int[] {1})).mean();
    }
}
