package org.rsna22.training;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/** A batch in plain arrays, made on loader threads: the network's inputs and the loss's labels. */
public record HostBatch(int count, List<Array> inputs, List<Array> labels) {

    /** One array with its shape (batch dimension first). */
    public record Array(float[] data, Shape shape) {
        public Array {
            if (data.length != shape.size()) {
                throw new IllegalArgumentException(data.length + " values do not fill " + shape);
            }
        }
    }

    public NDList inputs(NDManager m) {
        return of(inputs, m);
    }

    public NDList labels(NDManager m) {
        return of(labels, m);
    }

    private static NDList of(List<Array> arrays, NDManager m) {
        NDList out = new NDList(arrays.size());
        for (Array a : arrays) {
            out.add(m.create(a.data(), a.shape()));
        }
        return out;
    }
}
