package org.rsna22.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rsna22.config.BboxConfig;
import org.rsna22.model.BoxLocaliserNet;
import org.rsna22.model.BoxLoss;
import org.rsna22.training.CheckpointableAdamW;
import org.rsna22.training.WarmupCosine;
import org.rsna22.model.DevicePool;
import org.rsna22.model.Engines;

/**
 * Training images/s (forward, backward, AdamW step) and inference slices/s of the box localiser in DJL on
 * random inputs, to compare with the same architecture in PyTorch (bench/bbox_pytorch.py).
 */
public final class BboxBenchmark {

    public record Result(double trainImagesPerSecond, double inferSlicesPerSecond) {
    }

    private BboxBenchmark() {
    }

    public static Result run(BboxConfig c, int size, int batch, double seconds, PrintWriter out) throws Exception {
        Engine.getInstance().setRandomSeed(0);
        DevicePool.Slot device = DevicePool.of("auto", Engines::gpuCount).slots().get(0);
        Block net = BoxLocaliserNet.build(c, device.device());
        out.printf("device: %s%n", device.name());
        out.flush();
        try (Model model = Model.newInstance("bench", device.device())) {
            model.setBlock(net);
            Map<String, String> names = new HashMap<>();
            for (Pair<String, Parameter> p : net.getParameters()) {
                names.put(p.getValue().getId(), p.getKey());
            }
            CheckpointableAdamW adam = new CheckpointableAdamW(new WarmupCosine(2e-4, 1_000_000, 0), 0f,
                    model.getNDManager().newSubManager(), names);
            BoxLoss loss = new BoxLoss(0.8, 0.2, 0.05, 0.95);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adam)
                    .optDevices(new Device[] {device.device()}));
                 NDManager m = trainer.getManager().newSubManager()) {
                trainer.initialize(new Shape(batch, 3, size, size));
                NDArray x = m.randomNormal(new Shape(batch, 3, size, size));
                NDArray boxes = m.randomUniform(0, 1, new Shape(batch, 4));
                NDArray has = m.randomUniform(0, 1, new Shape(batch)).gt(0.5).toType(DataType.FLOAT32, false);
                // every array of an iteration lives in its sub-manager (results join their first operand's manager):
                // arrays left in a long-lived manager pile up, and fresh memory makes each operation many times slower
                Runnable step = () -> {
                    try (NDManager s = m.newSubManager()) {
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList o = trainer.forward(new NDList(in(x, s)));
                            gc.backward(loss.evaluate(new NDList(in(boxes, s), in(has, s)), o));
                        }
                        trainer.step();
                        adam.endStep();
                    }
                };
                double train = Throughput.measure(step, batch, seconds);
                Runnable infer = () -> {
                    try (NDManager s = m.newSubManager()) {
                        NDList o = trainer.evaluate(new NDList(in(x, s)));
                        o.get(1).toFloatArray();
                    }
                };
                double inf = Throughput.measure(infer, batch, seconds);
                out.printf(Locale.ROOT, "djl     %s w%d %dpx batch %d, %d threads: training %.1f images/s, inference %.1f "
                                + "slices/s%n", c.backbone(), c.width(), size, batch,
                        Runtime.getRuntime().availableProcessors(), train, inf);
                out.flush();
                return new Result(train, inf);
            }
        }
    }

    /** The same architecture and measurement in PyTorch: bench/bbox_pytorch.py. */
    public static void runPytorch(BboxConfig c, int size, int batch, double seconds, PrintWriter out)
            throws IOException, InterruptedException {
        PythonPeer.run(Path.of("bench/bbox_pytorch.py"), List.of(c.backbone(), Integer.toString(c.width()),
                Integer.toString(size), Integer.toString(batch),
                Integer.toString(Runtime.getRuntime().availableProcessors()), Double.toString(seconds)), out);
    }

    static NDArray in(NDArray a, NDManager m) {
        NDArray copy = a.duplicate();
        copy.attach(m);
        return copy;
    }
}
