package org.rsna22.model;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.core.Linear;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.rsna22.config.BboxConfig;

/**
 * The box localiser of SPEC §4 in DJL: a CNN backbone on the 3-slice image, global average pooling, and
 * two heads: the box (4 raw values, x0 y0 x1 y1 ÷ size) and the has_box logit. The backbone is one of
 * {@link Backbones} trained from scratch (no pretrained weights can be downloaded) or a TorchScript backbone given
 * by the user ({@link TorchScriptBackbone}).
 */
public final class BoxLocaliserNet {
    private BoxLocaliserNet() {
    }

    /**
     * The whole network: backbone then heads; the output is NDList(box (B,4), logit (B,1)). A TorchScript backbone is
     * loaded on {@code device}, where the model will run.
     */
    public static Block build(BboxConfig c, Device device) throws IOException {
        Block backbone = switch (c.backbone()) {
            case "resnet", "efficientnet" -> Backbones.of(c.backbone(), c.width(), 2, false);
            default -> TorchScriptBackbone.load(Path.of(c.torchscriptPath()), "bbox.torchscript_path", device,
                    c.imageSize());
        };
        return new FreeingLayers.SequentialBlock()
                .add(backbone)
                .add(new ParallelBlock(outputs -> new NDList(outputs.get(0).singletonOrThrow(),
                        outputs.get(1).singletonOrThrow()),
                        List.of(Linear.builder().setUnits(4).build(), Linear.builder().setUnits(1).build())));
    }
}
