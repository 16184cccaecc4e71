package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;
import ai.djl.training.loss.Loss;

/**
 * The slice models' loss (SPEC §6-7): {@code sum(w · (σ(z) - y)² · m) / (K · sum(m))} over the images of a window,
 * where w is {@code nonzeroWeight} (the original's 2) for non-zero targets and 1 otherwise and m masks the padding
 * images.
 * Labels: NDList(targets (B, T, K), mask (B, T)); predictions: NDList(raw (B, T, K)).
 *
 * <p>With an {@code imageWeight} above 0 the predictions also hold the per-image head's raw value (B, T, 1)
 * ({@link SequenceNet} with one image output), and the loss adds {@code imageWeight} × a class-balanced binary
 * cross-entropy of it against the last target (M3's "any fracture"): an image is positive (target 1) when that
 * target is above 0, whatever its value (a pseudo-label's value is the vertebra's share of the slice, not how
 * visible the crack is), and positives weigh #negatives / #positives of the batch (between 1 and
 * {@value #MAX_POSITIVE_WEIGHT}), so that the few crack images are not outvoted. A third label, a mask (B, T), keeps
 * images out of that term alone (those of a fractured study whose cracks are not located: which of its images show
 * one is unknown); without it the padding mask serves.
 */
public final class SequenceMseLoss extends Loss {

    static final float MAX_POSITIVE_WEIGHT = 100;

    private final float nonzeroWeight;
    private final float imageWeight;
    private final boolean imageOnly;

    public SequenceMseLoss() {
        this(2, 0);
    }

    public SequenceMseLoss(double nonzeroWeight, double imageWeight) {
        this(nonzeroWeight, imageWeight, false);
    }

    /**
     * @param imageOnly the image head's term alone, without the sequence heads' MSE (M3's image pretraining: over
     *                  windows of one image the sequence heads have nothing to learn from the sequence)
     */
    public SequenceMseLoss(double nonzeroWeight, double imageWeight, boolean imageOnly) {
        super("SequenceMse");
        if (imageOnly && imageWeight <= 0) {
            throw new IllegalArgumentException("an image-only loss needs an image weight above 0");
        }
        this.nonzeroWeight = (float) nonzeroWeight;
        this.imageWeight = (float) imageWeight;
        this.imageOnly = imageOnly;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray y = labels.get(0);
        NDArray m = labels.get(1).expandDims(-1);
        NDArray imageMask = labels.size() > 2 ? labels.get(2).expandDims(-1) : m;
        if (imageOnly) {
            return imageBce(predictions.get(1), y.get(new NDIndex("..., -1:")), imageMask).mul(imageWeight);
        }
        // the engine's sigmoid: 1 / (1 + exp(-z)) overflows for very negative z and its gradient turns NaN
        NDArray p = Activation.sigmoid(predictions.get(0));
        NDArray w = y.gt(0).toType(y.getDataType(), false).mul(nonzeroWeight - 1).add(1);
        long k = y.getShape().get(2);
        NDArray mse = p.sub(y).square().mul(w).mul(m).sum().div(m.sum().mul(k).maximum(1));
        if (imageWeight == 0) {
            return mse;
        }
        return mse.add(imageBce(predictions.get(1), y.get(new NDIndex("..., -1:")), imageMask).mul(imageWeight));
    }

    /** Class-balanced BCE of raw z (B, T, 1) against t > 0 (B, T, 1), images masked by m (B, T, 1). */
    static NDArray imageBce(NDArray z, NDArray t, NDArray m) {
        NDArray hit = t.gt(0).toType(t.getDataType(), false);
        NDArray positive = hit.mul(m);
        NDArray positives = positive.sum();
        NDArray ratio = m.sum().sub(positives).div(positives.maximum(1)).clip(1, MAX_POSITIVE_WEIGHT);
        NDArray w = positive.mul(ratio.sub(1)).add(1).mul(m);
        // log(1 + e^z) - z·t, written so that neither exp overflows
        NDArray bce = z.maximum(0).sub(z.mul(hit)).add(z.abs().neg().exp().add(1).log());
        return bce.mul(w).sum().div(w.sum().maximum(1e-6f));
    }
}
