package org.rsna22.model;

import ai.djl.ndarray.NDArray;
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
 * The slice models of SPEC §6-7: a CNN turns each 3-slice image of a window into a feature vector, a sinusoidal
 * embedding of the image's position in the study is added, a bidirectional LSTM reads the window and a linear
 * layer gives {@code outputs} values per image. Inputs: images (B, T, 3, S, S) and positions (B, T); output
 * (B, T, outputs), raw (the loss applies the sigmoid). {@link #embed} gives the CNN features alone (M4's input).
 *
 * <p>The LSTM has no bias terms: DJL 0.33 hands a bidirectional LSTM's biases to PyTorch in an order it rejects
 * (a shape error at the first forward pass); the gates keep their input and recurrent weights.
 */
public final class SequenceNet extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int features;
    private final int outputs;
    private final Block cnn;
    private final Block lstm;
    private final Block head;

    /** With the backbone's stem stride and global pooling ({@link BoxLocaliserNet#backbone(String, int, int, boolean)}). */
    public SequenceNet(String backbone, int width, int stemStride, boolean maxPool, int lstmSize, int outputs) {
        super(VERSION);
        this.features = BoxLocaliserNet.features(width);
        this.outputs = outputs;
        this.cnn = addChildBlock("cnn", BoxLocaliserNet.backbone(backbone, width, stemStride, maxPool));
        this.lstm = addChildBlock("lstm", LSTM.builder().setStateSize(lstmSize).setNumLayers(1)
                .optBidirectional(true).optHasBiases(false).optBatchFirst(true).optReturnState(false).build());
        this.head = addChildBlock("head", Linear.builder().setUnits(outputs).build());
    }

    public int features() {
        return features;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        NDArray f = embed(ps, x.reshape(b * t, s.get(2), s.get(3), s.get(4)), training).reshape(b, t, features);
        NDArray seq = f.add(PositionEmbedding.sinusoidal(inputs.get(1), features));
        NDArray h = lstm.forward(ps, new NDList(seq), training).singletonOrThrow();
        return new NDList(head.forward(ps, new NDList(h), training).singletonOrThrow());
    }

    /** CNN features of images (N, 3, S, S): (N, features). */
    public NDArray embed(ParameterStore ps, NDArray images, boolean training) {
        return cnn.forward(ps, new NDList(images), training).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape x = inputShapes[0];
        return new Shape[] {new Shape(x.get(0), x.get(1), outputs)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        cnn.initialize(manager, dataType, new Shape(x.get(0) * x.get(1), x.get(2), x.get(3), x.get(4)));
        Shape seq = new Shape(x.get(0), x.get(1), features);
        lstm.initialize(manager, dataType, seq);
        head.initialize(manager, dataType, lstm.getOutputShapes(new Shape[] {seq})[0]);
    }
}
