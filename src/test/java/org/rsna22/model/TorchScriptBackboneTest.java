package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.config.BboxConfig;
import org.rsna22.config.ConfigLoader;
import org.rsna22.testsupport.ExternalTools;
import org.rsna22.training.CheckpointableAdamW;
import org.rsna22.training.WarmupCosine;

/** A backbone scripted with Debian's python3-torch loads as bbox.backbone torchscript, trains a step and predicts. */
class TorchScriptBackboneTest {

    @Test
    void torchScriptBackboneFineTunesAndPredicts(@TempDir Path tmp) throws Exception {
        ExternalTools.requirePythonModule("torch", "python3-torch");
        Path pt = tmp.resolve("backbone.pt");
        ExternalTools.runOk(List.of(ExternalTools.PYTHON,
                Path.of("src/test/python/make_torchscript_backbone.py").toAbsolutePath().toString(), pt.toString()), tmp);
        Path yaml = tmp.resolve("ts.yaml");
        Files.writeString(yaml, "bbox:\n  backbone: torchscript\n  torchscript_path: " + pt + "\n  image_size: 32\n");
        BboxConfig c = ConfigLoader.load(yaml.toString()).bbox();

        Block net = BoxLocaliserNet.build(c);
        try (Model model = Model.newInstance("ts")) {
            model.setBlock(net);
            Map<String, String> names = new HashMap<>();
            for (Pair<String, Parameter> p : net.getParameters()) {
                names.put(p.getValue().getId(), p.getKey());
            }
            CheckpointableAdamW adam = new CheckpointableAdamW(new WarmupCosine(1e-2, 10, 0), 0f,
                    model.getNDManager().newSubManager(), names);
            BoxLoss loss = new BoxLoss(0.8, 0.2, 0.05, 0.95);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adam))) {
                trainer.initialize(new Shape(4, 3, 32, 32));
                Parameter backboneWeight = net.getParameters().stream().map(Pair::getValue)
                        .filter(p -> p.requiresGradient() && p.getArray().getShape().dimension() == 4)
                        .findFirst().orElseThrow();
                float[] before = backboneWeight.getArray().toFloatArray();
                try (NDManager m = trainer.getManager().newSubManager()) {
                    NDArray x = m.randomNormal(new Shape(4, 3, 32, 32));
                    NDArray boxes = m.create(new float[] {0.2f, 0.2f, 0.6f, 0.7f}).tile(4).reshape(4, 4);
                    NDArray has = m.create(new float[] {1, 0, 1, 1});
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(new NDList(x));
                        gc.backward(loss.evaluate(new NDList(boxes, has), out));
                    }
                    trainer.step();
                    float[] after = backboneWeight.getArray().toFloatArray();
                    assertThat(after).as("the TorchScript backbone's weights are trained").isNotEqualTo(before);
                    NDList prediction = trainer.evaluate(new NDList(x));
                    assertThat(prediction.get(0).getShape()).isEqualTo(new Shape(4, 4));
                    assertThat(prediction.get(1).getShape()).isEqualTo(new Shape(4, 1));
                }
            }
        }
    }
}
