package org.rsna22.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * AdamW (decoupled weight decay) whose state (first and second moments, step count) can be saved and
 * restored by parameter name, so that a resumed run continues exactly where its checkpoint was taken. The
 * learning rate follows a schedule of the global step.
 * <pre>m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  w -= lr·(m̂/(√v̂ + ε) + λ·w)</pre>
 */
public final class CheckpointableAdamW extends Optimizer {

    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPS = 1e-8f;

    private final WarmupCosine schedule;
    private final float weightDecay;
    private final NDManager stateManager;
    private final Map<String, String> names;
    private final Map<String, NDArray> m = new HashMap<>();
    private final Map<String, NDArray> v = new HashMap<>();
    private long step;

    /**
     * @param names parameter id → stable parameter name (ids change between processes, names do not)
     */
    public CheckpointableAdamW(WarmupCosine schedule, float weightDecay, NDManager stateManager, Map<String, String> names) {
        super(new Builder());
        this.schedule = schedule;
        this.weightDecay = weightDecay;
        this.stateManager = stateManager;
        this.names = names;
    }

    /** Steps done (one step updates every parameter once). */
    public long step() {
        return step;
    }

    public double currentLr() {
        return schedule.at(step);
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        String name = names.getOrDefault(parameterId, parameterId);
        long t = step + 1;
        float lr = (float) schedule.at(step);
        NDArray mt = m.computeIfAbsent(name, k -> detached(weight.zerosLike()));
        NDArray vt = v.computeIfAbsent(name, k -> detached(weight.zerosLike()));
        float biasCorrected = (float) (lr * Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t)));
        // the engine's fused update: in place, outside autograd (weights are leaves that require gradients)
        weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, mt, vt), new NDList(weight), lr,
                biasCorrected, weightDecay, rescaleGrad, clipGrad, BETA1, BETA2, EPS, true, true);
    }

    /** Call after each training batch: the next update begins a new step. */
    public void endStep() {
        step++;
    }

    private NDArray detached(NDArray a) {
        a.attach(stateManager);
        return a;
    }

    /** The moments as named arrays ("m:NAME", "v:NAME"), in name order. */
    public NDList state() {
        NDList out = new NDList();
        for (Map.Entry<String, NDArray> e : new TreeMap<>(m).entrySet()) {
            NDArray a = e.getValue().duplicate();
            a.setName("m:" + e.getKey());
            out.add(a);
            NDArray b = v.get(e.getKey()).duplicate();
            b.setName("v:" + e.getKey());
            out.add(b);
        }
        return out;
    }

    /** Restores moments and the step count saved by {@link #state()}. */
    public void restore(NDList state, long steps) {
        for (NDArray a : state) {
            String name = a.getName();
            NDArray copy = a.duplicate();
            copy.attach(stateManager);
            if (name.startsWith("m:")) {
                m.put(name.substring(2), copy);
            } else if (name.startsWith("v:")) {
                v.put(name.substring(2), copy);
            }
        }
        this.step = steps;
    }

    private static final class Builder extends OptimizerBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
