package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * The loss of SPEC §4:
 * {@code w_box · L1(box, target box; rows with has_box only) + w_has · BCEWithLogits(logit, clip(has_box, lo, hi))}.
 * The L1 term averages over the 4 coordinates of the rows that have a box (zero when none has).
 */
public final class BoxLoss extends Loss {
    private final float boxWeight;
    private final float hasBoxWeight;
    private final float clipLo;
    private final float clipHi;

    public BoxLoss(double boxWeight, double hasBoxWeight, double clipLo, double clipHi) {
        super("BoxLoss");
        this.boxWeight = (float) boxWeight;
        this.hasBoxWeight = (float) hasBoxWeight;
        this.clipLo = (float) clipLo;
        this.clipHi = (float) clipHi;
    }

    /**
     * @param labels      NDList(target boxes (B,4), has_box targets (B) in {0, 1})
     * @param predictions NDList(box (B,4), logit (B,1))
     * @return the scalar loss
     */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray boxes = labels.get(0);
        NDArray hasBox = labels.get(1);
        NDArray box = predictions.get(0);
        NDArray logit = predictions.get(1).reshape(-1);
        NDArray mask = hasBox.reshape(-1, 1);
        NDArray positives = hasBox.sum();
        NDArray l1 = box.sub(boxes).abs().mul(mask).sum().div(positives.mul(4).maximum(1));
        NDArray y = hasBox.clip(clipLo, clipHi);
        // max(x, 0) - x·y + log(1 + exp(-|x|)), the numerically stable form
        NDArray bce = logit.maximum(0).sub(logit.mul(y)).add(logit.abs().neg().exp().add(1).log()).mean();
        return l1.mul(boxWeight).add(bce.mul(hasBoxWeight));
    }
}
