package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

class SiluTest {

    private static final float[] X = {-6f, -1.5f, -0.25f, 0f, 0.3f, 2f, 7f};

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void valuesAreXTimesSigmoidInBothModesAndTheInputIsKept() {
        try (NDManager m = NDManager.newBaseManager()) {
            Silu silu = new Silu();
            silu.initialize(m, DataType.FLOAT32, new Shape(X.length));
            for (boolean training : new boolean[] {false, true}) {
                NDArray x = m.create(X);
                float[] y = silu.forward(new ParameterStore(m, false), new NDList(x), training).singletonOrThrow()
                        .toFloatArray();
                for (int i = 0; i < X.length; i++) {
                    assertThat((double) y[i]).as("silu(%s), training %s", X[i], training)
                            .isCloseTo(X[i] * sigmoid(X[i]), within(1e-6));
                }
                assertThat(x.toFloatArray()).containsExactly(X);
            }
        }
    }

    @Test
    void gradientIsTheDerivativeOfXTimesSigmoid() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(X);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = new Silu().forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
                gc.backward(y.sum());
            }
            float[] g = x.getGradient().toFloatArray();
            for (int i = 0; i < X.length; i++) {
                double s = sigmoid(X[i]);
                assertThat((double) g[i]).as("d silu / dx at %s", X[i]).isCloseTo(s + X[i] * s * (1 - s), within(1e-5));
            }
        }
    }
}
