package org.rsna22.model;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/**
 * The CNN backbones built here and trained from scratch, shared by the box localiser ({@link BoxLocaliserNet}) and
 * the slice models ({@link SequenceNet}): ResNet-like, EfficientNet-like (MBConv: expand, depthwise, project) and
 * plain, each ending in global pooling to a vector of {@link #features} values per image.
 */
public final class Backbones {
    private Backbones() {
    }

    /**
     * A from-scratch backbone ("resnet", "efficientnet" or "plain") whose output is (N, {@link #features}(width)), with the
     * stride of its first convolution (2 as the box localiser's; 1 keeps thin structures of small images at full
     * resolution through the first stage) and its global pooling (average, or maximum: one strong local response
     * is not averaged away over the map).
     */
    public static Block of(String kind, int width, int stemStride, boolean maxPool) {
        Block pool = maxPool ? Pool.globalMaxPool2dBlock() : Pool.globalAvgPool2dBlock();
        return switch (kind) {
            case "resnet" -> resnet(width, stemStride, pool);
            case "efficientnet" -> efficientnet(width, stemStride, pool);
            case "plain" -> plain(width, stemStride, pool);
            default -> throw new IllegalArgumentException("unknown backbone '" + kind
                    + "': resnet, efficientnet or plain");
        };
    }

    /** Features per image of {@link #of} at this width. */
    public static int features(int width) {
        return width * 8;
    }

    /** ResNet-like: a stem, four stages of one residual block each (the last three downsample). */
    private static Block resnet(int width, int stemStride, Block pool) {
        SequentialBlock net = new FreeingLayers.SequentialBlock()
                .add(new ConvBn(width, 3, stemStride, 1, 1)).add(Activation.reluBlock());
        int in = width;
        int[] widths = {width, width * 2, width * 4, width * 8};
        for (int i = 0; i < widths.length; i++) {
            net.add(residual(in, widths[i], i == 0 ? 1 : 2));
            in = widths[i];
        }
        return net.add(pool).add(Blocks.batchFlattenBlock());
    }

    private static Block residual(int in, int out, int stride) {
        SequentialBlock main = new FreeingLayers.SequentialBlock()
                .add(new ConvBn(out, 3, stride, 1, 1)).add(Activation.reluBlock())
                .add(new ConvBn(out, 3, 1, 1, 1));
        Block shortcut = in == out && stride == 1 ? Blocks.identityBlock()
                : new ConvBn(out, 1, stride, 0, 1);
        return new FreeingLayers.SequentialBlock()
                .add(new ParallelBlock(o -> new NDList(o.get(0).singletonOrThrow().add(o.get(1).singletonOrThrow())),
                        List.of(main, shortcut)))
                .add(Activation.reluBlock());
    }

    /**
     * Plain: six 3×3 convolutions with batch norm and ReLU (widths w, w, 2w, 2w, 4w, 4w; strides stem, 1, 2, 1, 2, 1),
     * then a 1×1 convolution to 8w, no shortcuts. Small crack detectors trained from scratch on a few thousand slices
     * localise better with it than with the residual network (README, train-fracture).
     */
    private static Block plain(int width, int stemStride, Block pool) {
        SequentialBlock net = new FreeingLayers.SequentialBlock();
        int[][] layers = {{width, stemStride}, {width, 1}, {width * 2, 2}, {width * 2, 1}, {width * 4, 2}, {width * 4, 1}};
        for (int[] l : layers) {
            net.add(new ConvBn(l[0], 3, l[1], 1, 1)).add(Activation.reluBlock());
        }
        return net.add(new ConvBn(width * 8, 1, 1, 0, 1)).add(Activation.reluBlock()).add(pool)
                .add(Blocks.batchFlattenBlock());
    }

    /** EfficientNet-like: stem, then MBConv stages (expansion 4, SiLU), then a 1×1 head convolution. */
    private static Block efficientnet(int width, int stemStride, Block pool) {
        SequentialBlock net = new FreeingLayers.SequentialBlock()
                .add(new ConvBn(width, 3, stemStride, 1, 1)).add(new Silu());
        int in = width;
        int[][] stages = {{width / 2 > 0 ? width / 2 : 1, 1, 1}, {width, 2, 2}, {width * 3 / 2, 2, 2}, {width * 3, 3, 2},
            {width * 4, 2, 2}};
        for (int[] s : stages) {
            for (int r = 0; r < s[1]; r++) {
                net.add(mbconv(in, s[0], r == 0 ? s[2] : 1));
                in = s[0];
            }
        }
        return net.add(new ConvBn(width * 8, 1, 1, 0, 1)).add(new Silu()).add(pool).add(Blocks.batchFlattenBlock());
    }

    private static Block mbconv(int in, int out, int stride) {
        int mid = in * 4;
        SequentialBlock main = new FreeingLayers.SequentialBlock()
                .add(new ConvBn(mid, 1, 1, 0, 1)).add(new Silu())
                .add(new ConvBn(mid, 3, stride, 1, mid)).add(new Silu())
                .add(new ConvBn(out, 1, 1, 0, 1));
        if (in == out && stride == 1) {
            return new ParallelBlock(o -> new NDList(o.get(0).singletonOrThrow().add(o.get(1).singletonOrThrow())),
                    List.of(main, Blocks.identityBlock()));
        }
        return main;
    }
}
