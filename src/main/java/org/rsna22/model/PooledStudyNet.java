package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * A study classifier of a few weights, for per-image probabilities that already say where a crack is: each of the 8
 * labels reads one per-image score, takes its maximum over the study's images (the mask leaves padding out) and maps
 * the logit of that maximum through a scale and an offset (which start at 1 and 0: the score itself). The labels'
 * scores are 8 consecutive values of every image's vector from {@code first} on: patient_overall's, then C1..C7's.
 * Inputs: (B, L, F) and mask (B, L); output: (B, 8) logits in TARGETS order.
 *
 * <p>Per label ({@code shared} false, 16 weights) every label has a scale of its own. Shared (12 weights) the seven
 * vertebrae share one scale, each keeps its offset, and each also reads patient_overall's logit through one weight;
 * patient_overall also reads the largest of the vertebrae's logits through one weight (both start at 0). A vertebra
 * with a dozen fractured training studies cannot fit a scale of its own (one that happened to score low in the other
 * folds gets a scale that ranks it backwards); whether the neck is broken at all says something about each
 * vertebra, and a crack score inside a vertebra more about the neck than one outside every vertebra (a rib's joint).
 */
public final class PooledStudyNet extends AbstractBlock {

    private static final byte VERSION = 1;
    private static final byte SHARED_VERSION = 2;
    /** Probabilities are kept this far from 0 and 1 before their logit. */
    private static final float EPS = 1e-4f;

    private final int first;
    private final boolean shared;
    private final Parameter scale;
    private final Parameter offset;
    /** Shared only: the weight of patient_overall's logit in each vertebra's. */
    private final Parameter overall;
    /** Shared only: the weight of the largest vertebra logit in patient_overall's. */
    private final Parameter vertebrae;

    /** A scale of its own per label: {@code PooledStudyNet(first, false)}. */
    public PooledStudyNet(int first) {
        this(first, false);
    }

    /**
     * @param first  the index of patient_overall's score in every image's vector; C1..C7's follow it
     * @param shared whether the vertebrae share one scale and read patient_overall's logit, which reads the largest
     *               vertebra's
     */
    public PooledStudyNet(int first, boolean shared) {
        super(shared ? SHARED_VERSION : VERSION);
        this.first = first;
        this.shared = shared;
        this.scale = addParameter(Parameter.builder().setName("scale").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(shared ? 2 : 8)).optInitializer(new ConstantInitializer(1)).build());
        this.offset = addParameter(Parameter.builder().setName("offset").setType(Parameter.Type.BIAS)
                .optShape(new Shape(8)).optInitializer(new ConstantInitializer(0)).build());
        this.overall = shared ? addParameter(Parameter.builder().setName("overall").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1)).optInitializer(new ConstantInitializer(0)).build()) : null;
        this.vertebrae = shared ? addParameter(Parameter.builder().setName("vertebrae").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1)).optInitializer(new ConstantInitializer(0)).build()) : null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.get(1).expandDims(-1);                            // (B, L, 1)
        NDArray scores = x.get(":, :, " + first + ":" + (first + 8)).mul(mask); // padding: 0, below any score
        NDArray p = scores.max(new int[] {1}).clip(EPS, 1 - EPS);               // (B, 8)
        NDArray logit = p.log().sub(p.neg().add(1).log());
        NDArray a = ps.getValue(scale, x.getDevice(), training);
        NDArray b = ps.getValue(offset, x.getDevice(), training);
        if (!shared) {
            return new NDList(logit.mul(a).add(b));
        }
        NDArray c = ps.getValue(overall, x.getDevice(), training);
        NDArray d = ps.getValue(vertebrae, x.getDevice(), training);
        NDArray whole = logit.get(":, 0:1");                                    // (B, 1): patient_overall's
        NDArray each = logit.get(":, 1:");                                      // (B, 7): C1..C7's
        NDArray neck = whole.mul(a.get("0:1")).add(each.max(new int[] {1}, true).mul(d));
        return new NDList(neck.concat(each.mul(a.get("1:2")).add(whole.mul(c)), 1).add(b));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), 8)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    }
}
