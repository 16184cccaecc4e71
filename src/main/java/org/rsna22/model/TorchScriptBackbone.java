package org.rsna22.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.rsna22.config.ExperimentConfig;

/**
 * A backbone exported from Python ({@code bench/export_backbone.py}, or {@code torch.jit.script(module).save(path)}),
 * mapping (B, 3, H, W) images to (B, F) features; loaded with trainParam=true so that DJL fine-tunes its parameters.
 * Before a run uses a file it is checked, each failure one message naming the file, the option and the fix: a
 * TorchScript archive (not a state_dict, not a pickled model), of a file format version DJL's PyTorch reads, taking
 * 3-channel images of the run's size, and giving a vector per image, whose length ({@link #features}) the heads are
 * built on. The loading models stay open for the life of the process (a few per job: one per fold and seed).
 */
public final class TorchScriptBackbone {

    /**
     * The highest TorchScript file format version that the PyTorch of DJL 0.33 (2.5.1) reads: its
     * caffe2::serialize::kMaxSupportedFileFormatVersion. A newer PyTorch may write a higher one.
     */
    static final int MAX_FILE_FORMAT_VERSION = 10;
    static final String ENGINE_TORCH = "2.5.1";
    private static final String EXPORT = "export it with bench/export_backbone.py";

    /**
     * The loading models. A module's native handle belongs to its model's manager, which is released when
     * the model is collected; the block outlives the load call, so its model must stay reachable.
     */
    private static final List<Model> LOADED = new CopyOnWriteArrayList<>();

    /** Features per image of checked files, by file, size, modification time and length. */
    private static final Map<String, Integer> FEATURES = new ConcurrentHashMap<>();

    private TorchScriptBackbone() {
    }

    /**
     * The checked backbone of {@code file} on {@code device}, with the parameters it was exported with (pretrained
     * ones are kept: only blocks built here are initialised).
     *
     * @param option    the config key that named the file, for messages (e.g. fracture.torchscript_path)
     * @param imageSize the side of the images the run gives it
     */
    public static Block load(Path file, String option, Device device, int imageSize) throws IOException {
        features(file, option, imageSize);
        Model model = open(file, option, device);
        LOADED.add(model);
        return new Module(inTrainingMode((PtSymbolBlock) model.getBlock()));
    }

    /**
     * The module switched to training mode, which DJL's block assumes a new module is in: it switches the module's
     * mode only when a forward pass asks for the other one, so that a module saved in evaluation mode (a checkpoint
     * written after validation, or a file exported after {@code model.eval()}) would otherwise train its first epoch
     * with frozen batch-norm statistics.
     */
    private static PtSymbolBlock inTrainingMode(PtSymbolBlock block) {
        JniUtils.enableTrainingMode(block);
        return block;
    }

    /**
     * The loaded module as a block whose weights a checkpoint or a final model can replace. DJL's own TorchScript
     * block swaps in the loaded module's handle but keeps handing out the parameters of the module it had, so that
     * after a resume the optimiser would step those while the forward pass used the loaded ones (the weights would
     * stop changing); here a load replaces the whole module, and {@link #getDirectParameters} gives the loaded one's
     * parameters (the trainer names them again after a load), in training mode as a new block is. What is saved is
     * the whole module, buffers (batch-norm statistics) included.
     */
    static final class Module extends AbstractBlock {
        private PtSymbolBlock module;

        Module(PtSymbolBlock module) {
            super((byte) 1);
            this.module = module;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            return module.forward(ps, inputs, training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return module.getOutputShapes(inputShapes);
        }

        @Override
        public ParameterList getDirectParameters() {
            return module.getDirectParameters();
        }

        @Override
        public void saveParameters(DataOutputStream os) throws IOException {
            module.saveParameters(os);
        }

        @Override
        public void loadParameters(NDManager manager, DataInputStream is) throws IOException, MalformedModelException {
            PtSymbolBlock loaded = new PtSymbolBlock((PtNDManager) manager);
            loaded.loadParameters(manager, is);
            module = inTrainingMode(loaded);
        }
    }

    /**
     * Checks the TorchScript backbones that a config gives the box localiser ({@code bbox}) and the slice models
     * ({@code fracture}), as the job that is about to start uses them: the first that does not fit is an IOException
     * naming the file, before any work.
     */
    public static void checkConfigured(ExperimentConfig c, boolean bbox, boolean fracture) throws IOException {
        if (bbox && "torchscript".equals(c.bbox().backbone())) {
            features(Path.of(c.bbox().torchscriptPath()), "bbox.torchscript_path", c.bbox().imageSize());
        }
        if (fracture && c.fracture().torchScript()) {
            features(Path.of(c.fracture().torchscriptPath()), "fracture.torchscript_path", c.fracture().cropSize());
        }
    }

    /**
     * Features per image of the backbone in {@code file} (its output's second dimension, from one forward pass of a
     * blank image of {@code imageSize} on the CPU), after the checks of this class; remembered per file version.
     */
    public static int features(Path file, String option, int imageSize) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(option + " " + file + " does not exist");
        }
        String key = file.toAbsolutePath() + "|" + imageSize + "|" + Files.getLastModifiedTime(file).toMillis() + "|"
                + Files.size(file);
        Integer known = FEATURES.get(key);
        if (known != null) {
            return known; // this version of the file passed the checks
        }
        checkArchive(file, option);
        int features;
        try (Model model = open(file, option, Device.cpu())) {
            features = probe(model.getBlock(), file, option, imageSize);
        }
        FEATURES.put(key, features);
        return features;
    }

    private static Model open(Path file, String option, Device device) throws IOException {
        Model model = Model.newInstance("backbone", device, "PyTorch");
        try {
            model.load(file.toAbsolutePath(), file.getFileName().toString(), Map.of("trainParam", "true"));
            return model;
        } catch (MalformedModelException | EngineException e) {
            model.close();
            throw new IOException(option + " " + file + ": PyTorch " + ENGINE_TORCH + " cannot load it ("
                    + firstLine(e) + "); if a newer PyTorch exported it, " + EXPORT + " under torch 2.5 or older", e);
        }
    }

    /** The forward pass of one blank image: 3 channels accepted, one (1, F) output. */
    private static int probe(Block block, Path file, String option, int size) throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDList out;
            try {
                out = block.forward(new ParameterStore(m, false), new NDList(m.zeros(new Shape(1, 3, size, size))),
                        false);
            } catch (EngineException e) {
                long channels = inputChannels(block);
                String takes = channels > 0 && channels != 3 ? "its first convolution takes " + channels + " channels"
                        : firstLine(e);
                throw new IOException(option + " " + file + " does not take 3-channel images of " + size + "x" + size
                        + " (" + takes + "): " + EXPORT + " (3 input channels)", e);
            }
            Shape shape = out.size() == 1 ? out.get(0).getShape() : null;
            if (shape == null || shape.dimension() != 2 || shape.get(0) != 1) {
                String gives = shape == null ? out.size() + " outputs" : shape.toString();
                throw new IOException(option + " " + file + " gives " + gives + " per image, not a feature vector (1, F)"
                        + ": end the network in global pooling and flatten, without a classifier (" + EXPORT + ")");
            }
            return Math.toIntExact(shape.get(1));
        }
    }

    /** The input channels of the first 4-dimensional weight (a convolution's (out, in, h, w)), or -1. */
    private static long inputChannels(Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            if (param.isInitialized() && param.getArray().getShape().dimension() == 4) {
                return param.getArray().getShape().get(1);
            }
        }
        return -1;
    }

    /**
     * The file is a TorchScript archive: a zip with the {@code code/} of a module (a {@code torch.save}d state_dict or
     * model has none), whose {@code version} DJL's PyTorch reads.
     */
    static void checkArchive(Path file, String option) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry version = null;
            boolean code = false;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                String name = e.getName();
                int slash = name.indexOf('/');
                String inner = slash < 0 ? name : name.substring(slash + 1);
                if (inner.equals("version") || inner.equals(".data/version")) {
                    version = version == null || inner.equals("version") ? e : version;
                }
                code |= inner.startsWith("code/");
            }
            if (!code) {
                throw new IOException(option + " " + file + " is a PyTorch archive without TorchScript code (a state_dict"
                        + " or a model saved with torch.save): " + EXPORT + ", which saves it with torch.jit");
            }
            if (version != null) {
                String text = new String(zip.getInputStream(version).readAllBytes(), StandardCharsets.US_ASCII).trim();
                Matcher number = Pattern.compile("\\d+").matcher(text);
                if (number.matches() && Long.parseLong(text) > MAX_FILE_FORMAT_VERSION) {
                    throw new IOException(option + " " + file + " was written by a newer PyTorch than DJL's "
                            + ENGINE_TORCH + " (file format version " + text + ", it reads up to "
                            + MAX_FILE_FORMAT_VERSION + "): " + EXPORT + " under torch 2.5 or older");
                }
            }
        } catch (ZipException e) {
            throw new IOException(option + " " + file + " is not a TorchScript file (not a zip archive as torch.jit.save"
                    + " writes): " + EXPORT, e);
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }
}
