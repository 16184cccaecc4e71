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
 *
 * <p>With a {@code bagWeight} above 0 a fourth label, a bag mask (B, T), adds a multiple-instance term for such
 * studies: where a window holds every image of a fractured vertebra, one of those images shows its crack, so the
 * largest raw image value among the window's bag images is pushed towards "crack" by a binary cross-entropy
 * ({@code log(1 + e^-max z)}), averaged over the windows that have a bag and weighed by {@code bagWeight}. Only the
 * maximum learns, so the images of a fractured vertebra that show no crack are not taught to fire.
 */
public final class SequenceMseLoss extends Loss {

    static final float MAX_POSITIVE_WEIGHT = 100;

    private final float nonzeroWeight;
    private final float imageWeight;
    private final boolean imageOnly;
    private final float bagWeight;

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
        this(nonzeroWeight, imageWeight, imageOnly, 0);
    }

    /**
     * @param bagWeight the weight of the multiple-instance term over the bags of the fourth label (0: none); needs an
     *                  image weight above 0 and sequences (not {@code imageOnly})
     */
    public SequenceMseLoss(double nonzeroWeight, double imageWeight, boolean imageOnly, double bagWeight) {
        super("SequenceMse");
        if (bagWeight < 0 || bagWeight > 0 && (imageWeight <= 0 || imageOnly)) {
            throw new IllegalArgumentException("a bag term needs an image weight above 0 and windows of sequences");
        }
        this.bagWeight = (float) bagWeight;
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
        NDArray loss = mse.add(imageBce(predictions.get(1), y.get(new NDIndex("..., -1:")), imageMask).mul(imageWeight));
        if (bagWeight > 0 && labels.size() > 3) {
            loss = loss.add(bagBce(predictions.get(1), labels.get(3).expandDims(-1)).mul(bagWeight));
        }
        return loss;
    }

    /**
     * The multiple-instance term: per window with bag images (mask b (B, T, 1)), {@code log(1 + e^-z)} of the largest
     * raw value z among them; the mean over such windows (0 when there is none).
     */
    static NDArray bagBce(NDArray z, NDArray b) {
        NDArray has = b.max(new int[] {1}); // (B, 1): 1 where the window has a bag
        // outside the bag the values are pushed far below any real one; windows without a bag are masked by has
        NDArray top = z.add(b.sub(1).mul(1e4f)).max(new int[] {1});
        NDArray bce = top.neg().maximum(0).add(log1pExpNegAbs(top));
        return bce.mul(has).sum().div(has.sum().maximum(1));
    }

    /**
     * {@code log(1 + e^-|z|)}: with {@code max(±z, 0)} it makes the cross-entropies' {@code log(1 + e^∓z)} without
     * an exponential that overflows.
     */
    private static NDArray log1pExpNegAbs(NDArray z) {
        return z.abs().neg().exp().add(1).log();
    }

    /** Class-balanced BCE of raw z (B, T, 1) against t > 0 (B, T, 1), images masked by m (B, T, 1). */
    static NDArray imageBce(NDArray z, NDArray t, NDArray m) {
        NDArray hit = t.gt(0).toType(t.getDataType(), false);
        NDArray positive = hit.mul(m);
        NDArray positives = positive.sum();
        NDArray ratio = m.sum().sub(positives).div(positives.maximum(1)).clip(1, MAX_POSITIVE_WEIGHT);
        NDArray w = positive.mul(ratio.sub(1)).add(1).mul(m);
        // log(1 + e^z) - z·t, written so that neither exp overflows
        NDArray bce = z.maximum(0).sub(z.mul(hit)).add(log1pExpNegAbs(z));
        return bce.mul(w).sum().div(w.sum().maximum(1e-6f));
    }
}
