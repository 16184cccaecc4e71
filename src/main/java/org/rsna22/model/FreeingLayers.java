package org.rsna22.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Sequential blocks that, when predicting, free each layer's intermediate arrays as soon as the next layer has its
 * input. DJL keeps every array an operation makes until its manager closes, so a prediction held every activation of
 * the whole network at once: at 512 pixels about 0.4 GiB per triplet, 24 GiB for a batch of 64, as much as training.
 * Here each child runs in a manager of its own; only its outputs are kept, and the layer before's outputs are closed.
 * Training is unchanged (backward needs every activation).
 */
public final class FreeingLayers {

    private FreeingLayers() {
    }

    /**
     * A drop-in {@link ai.djl.nn.SequentialBlock}. Its simple name stays {@code SequentialBlock} on purpose: DJL names a
     * child block after its class, parameters after those names, and checkpoints keep the optimiser's state by
     * parameter name, so another name would make every earlier checkpoint resume with fresh moments.
     */
    public static final class SequentialBlock extends ai.djl.nn.SequentialBlock {

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            if (training) {
                return super.forwardInternal(ps, inputs, true, params);
            }
            NDList current = inputs;
            for (Block child : getChildren().values()) {
                NDManager owner = current.head().getManager();
                NDList next;
                try (NDManager scope = owner.newSubManager()) {
                    current.tempAttach(scope);
                    next = child.forward(ps, current, false, params);
                    next.attach(owner);
                }
                if (current != inputs) {
                    for (NDArray a : current) {
                        if (!containsSame(next, a)) {
                            a.close();
                        }
                    }
                }
                current = next;
            }
            return current;
        }

        private static boolean containsSame(NDList list, NDArray a) {
            for (NDArray b : list) {
                if (b == a) {
                    return true;
                }
            }
            return false;
        }
    }
}
