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
 * A study classifier with 16 weights, for per-image probabilities that already say where a crack is: each of the 8
 * labels reads one per-image score, takes its maximum over the study's images (the mask leaves padding out) and maps
 * the logit of that maximum through its own scale and offset (which start at 1 and 0: the score itself). The
 * labels' scores are 8 consecutive values of every image's vector from {@code first} on: patient_overall's, then
 * C1..C7's. Inputs: (B, L, F) and mask (B, L); output: (B, 8) logits in TARGETS order.
 */
public final class PooledStudyNet extends AbstractBlock {

    private static final byte VERSION = 1;
    /** Probabilities are kept this far from 0 and 1 before their logit. */
    private static final float EPS = 1e-4f;

    private final int first;
    private final Parameter scale;
    private final Parameter offset;

    /** @param first the index of patient_overall's score in every image's vector; C1..C7's follow it */
    public PooledStudyNet(int first) {
        super(VERSION);
        this.first = first;
        this.scale = addParameter(Parameter.builder().setName("scale").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(8)).optInitializer(new ConstantInitializer(1)).build());
        this.offset = addParameter(Parameter.builder().setName("offset").setType(Parameter.Type.BIAS)
                .optShape(new Shape(8)).optInitializer(new ConstantInitializer(0)).build());
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
        return new NDList(logit.mul(a).add(b));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), 8)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    }
}
