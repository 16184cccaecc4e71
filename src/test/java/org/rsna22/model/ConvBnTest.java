package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ConvBnTest {

    /** Inference with the fold equals the convolution followed by the normalisation with running statistics. */
    @Test
    void foldedInferenceEqualsConvolutionThenNormalisation() {
        for (int[] c : new int[][] {{6, 3, 2, 1, 1}, {4, 1, 1, 0, 1}, {4, 3, 1, 1, 4}}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(3);
                ConvBn block = new ConvBn(c[0], c[1], c[2], c[3], c[4]);
                Shape in = new Shape(2, 4, 9, 7);
                block.initialize(m, DataType.FLOAT32, in);
                ParameterStore store = new ParameterStore(m, false);
                // training passes move the running statistics away from 0 and 1
                for (int i = 0; i < 5; i++) {
                    block.forward(store, new NDList(m.randomNormal(2f, 3f, in, DataType.FLOAT32)), true);
                }
                NDArray gamma = block.getChildren().get(1).getValue().getParameters().get("gamma").getArray();
                gamma.muli(m.randomUniform(0.5f, 1.5f, gamma.getShape()));
                NDArray x = m.randomNormal(2f, 3f, in, DataType.FLOAT32);
                float[] folded = block.forward(store, new NDList(x), false).singletonOrThrow().toFloatArray();
                Block conv = block.getChildren().get(0).getValue();
                Block norm = block.getChildren().get(1).getValue();
                float[] plain = norm.forward(store, conv.forward(store, new NDList(x), false), false)
                        .singletonOrThrow().toFloatArray();
                assertThat(folded).hasSameSizeAs(plain);
                NDArray runningMean = norm.getParameters().get("runningMean").getArray();
                assertThat(runningMean.abs().max().getFloat()).as("running mean moved").isGreaterThan(0.01f);
                for (int i = 0; i < plain.length; i++) {
                    assertThat(folded[i]).as("output %d of %s", i, Arrays.toString(c))
                            .isCloseTo(plain[i], within(1e-4f * (1 + Math.abs(plain[i]))));
                }
            }
        }
    }
}
