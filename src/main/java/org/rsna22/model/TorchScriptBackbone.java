package org.rsna22.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backbone exported from Python with {@code torch.jit.script(module).save(path)}, mapping (B, 3, H, W) to
 * (B, F) features; loaded with trainParam=true so that DJL fine-tunes its parameters. The loading models
 * stay open for the life of the process (a few per job: one per fold and seed).
 */
public final class TorchScriptBackbone {

    /**
     * The loading models. A module's native handle belongs to its model's manager, which is released when
     * the model is collected; the block outlives the load call, so its model must stay reachable.
     */
    private static final List<Model> LOADED = new CopyOnWriteArrayList<>();

    private TorchScriptBackbone() {
    }

    public static Block load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("bbox.torchscript_path " + file + " does not exist");
        }
        Model model = Model.newInstance("backbone", "PyTorch");
        String name = file.getFileName().toString().replaceFirst("\\.pt$", "");
        try {
            model.load(file.toAbsolutePath().getParent(), name, Map.of("trainParam", "true"));
        } catch (MalformedModelException e) {
            model.close();
            throw new IOException(file + " is not a TorchScript module: " + e.getMessage(), e);
        }
        LOADED.add(model);
        return model.getBlock();
    }
}
