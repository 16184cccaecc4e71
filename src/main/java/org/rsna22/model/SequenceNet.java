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
import java.util.List;

/**
 * The slice models of SPEC §6-7: a CNN turns each 3-slice image of a window into a feature vector, a sinusoidal
 * embedding of the image's position in the study is added, a bidirectional LSTM reads the window and a linear
 * layer gives {@code outputs} values per image. Inputs: images (B, T, 3, S, S) and positions (B, T); output
 * (B, T, outputs), raw (the loss applies the sigmoid). {@link #embed} gives the CNN features alone (M4's input).
 * The CNN is one of {@link Backbones}, or a TorchScript backbone ({@link TorchScriptBackbone}) whose feature count
 * was read from its file; with a normalisation, the images are normalised per channel before the CNN.
 * With {@code imageOutputs > 0} a second linear head reads each image's CNN features directly (no position, no
 * LSTM) and the output list holds its raw values (B, T, imageOutputs) second: a loss on it can only be met by
 * features that show the target in the image itself.
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
    private final int imageOutputs;
    private final Block imageHead;
    private final float[] mean;
    private final float[] std;

    /**
     * With the backbone's stem stride and global pooling ({@link Backbones#of(String, int, int, boolean)}).
     *
     * @param imageOutputs outputs of the per-image head on the CNN features; 0 for none
     */
    public SequenceNet(String backbone, int width, int stemStride, boolean maxPool, int lstmSize, int outputs,
                       int imageOutputs) {
        this(Backbones.of(backbone, width, stemStride, maxPool), Backbones.features(width), null, lstmSize, outputs,
                imageOutputs);
    }

    /**
     * With a CNN of {@code features} outputs per image.
     *
     * @param normalisation per-channel mean and standard deviation (3 values each) applied to the images before the
     *                      CNN, or null for none
     */
    public SequenceNet(Block cnn, int features, List<List<Double>> normalisation, int lstmSize, int outputs,
                       int imageOutputs) {
        super(VERSION);
        this.imageOutputs = imageOutputs;
        this.features = features;
        this.outputs = outputs;
        this.mean = normalisation == null ? null : floats(normalisation.get(0));
        this.std = normalisation == null ? null : floats(normalisation.get(1));
        this.cnn = addChildBlock("cnn", cnn);
        this.lstm = addChildBlock("lstm", LSTM.builder().setStateSize(lstmSize).setNumLayers(1)
                .optBidirectional(true).optHasBiases(false).optBatchFirst(true).optReturnState(false).build());
        this.head = addChildBlock("head", Linear.builder().setUnits(outputs).build());
        this.imageHead = imageOutputs > 0
                ? addChildBlock("image_head", Linear.builder().setUnits(imageOutputs).build()) : null;
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
        NDArray out = sequence(ps, f, inputs.get(1), training);
        if (imageHead == null) {
            return new NDList(out);
        }
        return new NDList(out, imageHead.forward(ps, new NDList(f), training).singletonOrThrow());
    }

    /**
     * The sequence head's raw outputs (B, T, outputs) from the CNN features of windows of images (B, T, features) and
     * their positions (B, T): the first output of {@link #forward} without the CNN. In evaluation an image's features
     * do not depend on the window it is in, so a prediction can run the CNN once per image ({@link #studyEmbedding})
     * and the windows through this alone.
     */
    public NDArray sequence(ParameterStore ps, NDArray features, NDArray positions, boolean training) {
        NDArray seq = features.add(PositionEmbedding.sinusoidal(positions, this.features));
        NDArray h = lstm.forward(ps, new NDList(seq), training).singletonOrThrow();
        return head.forward(ps, new NDList(h), training).singletonOrThrow();
    }

    /** Length of a {@link #studyEmbedding} vector: the CNN features, then the image head's outputs if any. */
    public int embeddingSize() {
        return features + imageOutputs;
    }

    /**
     * What the study model reads of each image (N, 3, S, S): its CNN features (N, features), followed by the image
     * head's raw outputs when the network has one, (N, features + imageOutputs).
     */
    public NDArray studyEmbedding(ParameterStore ps, NDArray images, boolean training) {
        NDArray f = embed(ps, images, training);
        if (imageHead == null) {
            return f;
        }
        return f.concat(imageHead.forward(ps, new NDList(f), training).singletonOrThrow(), 1);
    }

    /** CNN features of images (N, 3, S, S): (N, features). */
    public NDArray embed(ParameterStore ps, NDArray images, boolean training) {
        NDArray x = images;
        if (mean != null) {
            NDManager m = images.getManager();
            x = images.sub(m.create(mean, new Shape(1, 3, 1, 1))).div(m.create(std, new Shape(1, 3, 1, 1)));
        }
        return cnn.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    private static float[] floats(List<Double> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape x = inputShapes[0];
        Shape sequence = new Shape(x.get(0), x.get(1), outputs);
        return imageHead == null ? new Shape[] {sequence}
                : new Shape[] {sequence, new Shape(x.get(0), x.get(1), imageOutputs)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        cnn.initialize(manager, dataType, new Shape(x.get(0) * x.get(1), x.get(2), x.get(3), x.get(4)));
        Shape seq = new Shape(x.get(0), x.get(1), features);
        lstm.initialize(manager, dataType, seq);
        head.initialize(manager, dataType, lstm.getOutputShapes(new Shape[] {seq})[0]);
        if (imageHead != null) {
            imageHead.initialize(manager, dataType, seq);
        }
    }
}
