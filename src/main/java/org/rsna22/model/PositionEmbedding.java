package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/** The transformer's sinusoidal position embedding: sin(p·ω_i) in the first half of the features, cos in the second. */
public final class PositionEmbedding {

    private PositionEmbedding() {
    }

    /**
     * @param positions (B, T) positions (image index in the study)
     * @return (B, T, features) with ω_i = 10000^(-2i/features)
     */
    public static NDArray sinusoidal(NDArray positions, int features) {
        int half = features / 2;
        NDArray i = positions.getManager().arange(0, half, 1, DataType.FLOAT32);
        NDArray omega = i.mul(-2.0 * Math.log(10000) / features).exp();
        NDArray angle = positions.expandDims(-1).mul(omega);
        NDArray pe = NDArrays.concat(new NDList(angle.sin(), angle.cos()), -1);
        if (pe.getShape().get(2) < features) { // odd feature count: one zero column
            pe = NDArrays.concat(new NDList(pe, positions.expandDims(-1).zerosLike()), -1);
        }
        return pe;
    }
}
