package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The study classifier of SPEC §8: a bidirectional LSTM over the study's image embeddings, then the concatenation of
 * a masked max-pool and a masked attention pool over time, then Linear→8 logits [patient_overall, C1..C7].
 * Inputs: embeddings (B, L, F) and mask (B, L) with 1 for real images and 0 for padding.
 *
 * <p>The LSTM has no bias terms: DJL 0.33 hands a bidirectional LSTM's biases to PyTorch in an order it rejects
 * (a shape error at the first forward pass); the gates keep their input and recurrent weights.
 */
public final class StudyNet extends AbstractBlock {

    private static final byte VERSION = 1;
    private static final float NEG = -1e9f;

    private final Block lstm;
    private final Block attention;
    private final Block head;

    public StudyNet(int lstmSize) {
        super(VERSION);
        this.lstm = addChildBlock("lstm", LSTM.builder().setStateSize(lstmSize).setNumLayers(1)
                .optBidirectional(true).optHasBiases(false).optBatchFirst(true).optReturnState(false).build());
        this.attention = addChildBlock("attention", Linear.builder().setUnits(1).build());
        this.head = addChildBlock("head", Linear.builder().setUnits(8).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.get(1);                                  // (B, L)
        NDArray h = lstm.forward(ps, new NDList(inputs.get(0)), training).singletonOrThrow(); // (B, L, 2H)
        NDArray off = mask.sub(1).mul(-NEG);                            // 0 where real, -1e9 where padding
        NDArray max = h.add(off.expandDims(-1)).max(new int[] {1});     // (B, 2H)
        NDArray score = attention.forward(ps, new NDList(h), training).singletonOrThrow().squeeze(-1).add(off);
        NDArray weights = score.softmax(1).expandDims(-1);             // (B, L, 1)
        NDArray pooled = h.mul(weights).sum(new int[] {1});           // (B, 2H)
        return new NDList(head.forward(ps, new NDList(NDArrays.concat(new NDList(max, pooled), 1)), training)
                .singletonOrThrow());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), 8)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        lstm.initialize(manager, dataType, x);
        Shape h = lstm.getOutputShapes(new Shape[] {x})[0];
        attention.initialize(manager, dataType, h);
        head.initialize(manager, dataType, new Shape(x.get(0), h.get(2) * 2));
    }
}
