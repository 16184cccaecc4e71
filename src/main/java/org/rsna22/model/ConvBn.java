package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A bias-free convolution followed by batch normalisation. Training runs the two as usual (batch statistics,
 * running averages updated). Inference folds the normalisation into the convolution, one pass over the
 * activations instead of two: w' = w·γ/√(σ²+ε) per output channel, b' = β − μ·γ/√(σ²+ε). The fold is
 * recomputed on every call from the current parameters (a few operations on the small weight tensor), so it
 * can never go stale after training steps or a checkpoint load.
 */
public final class ConvBn extends AbstractBlock {
    private static final float EPSILON = 1e-5f;

    private final Conv2d conv;
    private final BatchNorm norm;
    private final Shape stride;
    private final Shape padding;
    private final int groups;

    public ConvBn(int filters, int kernel, int stride, int padding, int groups) {
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
        this.groups = groups;
        conv = addChildBlock("conv", Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).optStride(this.stride)
                .optPadding(this.padding).setFilters(filters).optGroups(groups).optBias(false).build());
        norm = addChildBlock("bn", BatchNorm.builder().optEpsilon(EPSILON).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (training) {
            return norm.forward(store, conv.forward(store, inputs, true, params), true, params);
        }
        NDArray x = inputs.singletonOrThrow();
        NDArray w = value(store, conv, "weight", x);
        NDArray gamma = value(store, norm, "gamma", x);
        NDArray beta = value(store, norm, "beta", x);
        NDArray mean = value(store, norm, "runningMean", x);
        NDArray var = value(store, norm, "runningVar", x);
        NDArray scale = gamma.div(var.add(EPSILON).sqrt());
        NDArray folded = w.mul(scale.reshape(-1, 1, 1, 1));
        NDArray bias = beta.sub(mean.mul(scale));
        return Conv2d.conv2d(x, folded, bias, stride, padding, new Shape(1, 1), groups);
    }

    private static NDArray value(ParameterStore store, AbstractBlock block, String name, NDArray like) {
        Parameter p = block.getDirectParameters().get(name);
        return store.getValue(p, like.getDevice(), false);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv.initialize(manager, dataType, inputShapes);
        norm.initialize(manager, dataType, conv.getOutputShapes(inputShapes));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return conv.getOutputShapes(inputShapes);
    }
}
