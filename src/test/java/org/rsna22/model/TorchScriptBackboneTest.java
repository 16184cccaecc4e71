package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.config.BboxConfig;
import org.rsna22.config.ConfigLoader;
import org.rsna22.testsupport.ExternalTools;
import org.rsna22.training.CheckpointableAdamW;
import org.rsna22.training.WarmupCosine;

/**
 * Backbones scripted with Debian's python3-torch: one loads as bbox.backbone torchscript, keeps the weights it was
 * exported with, trains a step and predicts; files that do not fit are refused with one message naming the file and
 * the fix.
 */
class TorchScriptBackboneTest {

    private static final String OPTION = "fracture.torchscript_path";

    private static Path make(Path tmp, String name, String... options) throws Exception {
        ExternalTools.requirePythonModule("torch", "python3-torch");
        Path pt = tmp.resolve(name);
        List<String> command = new ArrayList<>(List.of(ExternalTools.PYTHON,
                Path.of("src/test/python/make_torchscript_backbone.py").toAbsolutePath().toString(), pt.toString()));
        command.addAll(List.of(options));
        ExternalTools.runOk(command, tmp);
        return pt;
    }

    @Test
    void theExportedWeightsAreKeptWhenTheNetworkIsInitialised(@TempDir Path tmp) throws Exception {
        Path pt = make(tmp, "backbone.pt");
        assertThat(TorchScriptBackbone.features(pt, OPTION, 32)).isEqualTo(32);
        float[] exported = firstConvolution(TorchScriptBackbone.load(pt, OPTION, Device.cpu(), 32)).toFloatArray();
        Block net = new SequenceNet(TorchScriptBackbone.load(pt, OPTION, Device.cpu(), 32), 32, null, 8, 7, 0);
        try (Model model = Model.newInstance("ts")) {
            model.setBlock(net);
            net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 2, 3, 32, 32), new Shape(1, 2));
            assertThat(firstConvolution(net).toFloatArray()).as("a pretrained backbone is not initialised again")
                    .isEqualTo(exported);
        }
    }

    private static NDArray firstConvolution(Block block) {
        return block.getParameters().stream().map(Pair::getValue)
                .filter(p -> p.isInitialized() && p.getArray().getShape().dimension() == 4).findFirst().orElseThrow()
                .getArray();
    }

    @Test
    void filesThatDoNotFitAreRefusedWithTheFileAndTheFix(@TempDir Path tmp) throws Exception {
        Path good = make(tmp, "good.pt");
        Path text = Files.writeString(tmp.resolve("notes.pt"), "not a model\n");
        Path stateDict = make(tmp, "weights.pt", "--state-dict");
        Path oneChannel = make(tmp, "gray.pt", "--in-chans", "1");
        Path featureMap = make(tmp, "map.pt", "--feature-map");
        Path newer = withVersion(good, tmp.resolve("newer.pt"), "11");

        assertRefused(tmp.resolve("missing.pt"), "does not exist");
        assertRefused(text, "is not a TorchScript file", "export it with bench/export_backbone.py");
        assertRefused(stateDict, "without TorchScript code", "export it with bench/export_backbone.py");
        assertRefused(oneChannel, "does not take 3-channel images of 32x32", "its first convolution takes 1 channels",
                "(3 input channels)");
        assertRefused(featureMap, "gives (1, 32, 8, 8) per image, not a feature vector (1, F)", "global pooling");
        assertRefused(newer, "newer PyTorch than DJL's 2.5.1 (file format version 11, it reads up to 10)",
                "under torch 2.5 or older");
        assertThat(TorchScriptBackbone.features(withVersion(good, tmp.resolve("same.pt"), "3"), OPTION, 32))
                .as("the rewritten archive itself loads: only its version refused the other").isEqualTo(32);
    }

    private static void assertRefused(Path file, String... parts) {
        assertThatThrownBy(() -> TorchScriptBackbone.features(file, OPTION, 32)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(OPTION + " " + file).satisfies(e -> {
                    for (String part : parts) {
                        assertThat(e.getMessage()).contains(part);
                    }
                    assertThat(e.getMessage()).doesNotContain("\n");
                });
    }

    /** The archive with its version record replaced, as a newer PyTorch may write it. */
    private static Path withVersion(Path from, Path to, String version) throws IOException {
        try (ZipFile in = new ZipFile(from.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                out.putNextEntry(new ZipEntry(e.getName()));
                if (e.getName().endsWith("/version")) {
                    out.write((version + "\n").getBytes(StandardCharsets.US_ASCII));
                } else {
                    in.getInputStream(e).transferTo(out);
                }
                out.closeEntry();
            }
        }
        return to;
    }

    @Test
    void torchScriptBackboneFineTunesAndPredicts(@TempDir Path tmp) throws Exception {
        Path pt = make(tmp, "backbone.pt");
        Path yaml = tmp.resolve("ts.yaml");
        Files.writeString(yaml, "bbox:\n  backbone: torchscript\n  torchscript_path: " + pt + "\n  image_size: 32\n");
        BboxConfig c = ConfigLoader.load(yaml.toString()).bbox();

        Block net = BoxLocaliserNet.build(c, Device.cpu());
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
