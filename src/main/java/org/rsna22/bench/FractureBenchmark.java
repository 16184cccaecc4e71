package org.rsna22.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.fracture.CropBuilder;
import org.rsna22.fracture.CropStore;
import org.rsna22.fracture.FractureModels;
import org.rsna22.fracture.FractureStudy;
import org.rsna22.fracture.SequenceTask;
import org.rsna22.fracture.StudyCrop;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.model.CompetitionLoss;
import org.rsna22.model.SequenceMseLoss;
import org.rsna22.model.SequenceNet;
import org.rsna22.model.StudyNet;
import org.rsna22.model.TorchScriptBackbone;
import org.rsna22.training.CheckpointableAdamW;
import org.rsna22.training.WarmupCosine;

/**
 * Training speed of the fracture models in DJL on random inputs, beside the same architectures in PyTorch
 * (bench/fracture_pytorch.py): the M3-like slice model (CNN per 3-slice image, position embedding, BiLSTM) in
 * images/s, and the study model (M4) on embeddings in studies/s.
 */
public final class FractureBenchmark {

    /** The competition's training studies, for what an epoch over them reads. */
    private static final int COMPETITION_STUDIES = 2019;

    private FractureBenchmark() {
    }

    /**
     * @param torchscript a backbone file of bench/export_backbone.py to measure the slice model with as well (DJL, then
     *                    PyTorch on the same file and threads), or null
     */
    public static void run(FractureConfig c, int batch, int studyBatch, double seconds, Path torchscript,
                           PrintWriter out) throws IOException, InterruptedException {
        int w = c.imagesPerWindow();
        int s = c.cropSize();
        int features = SequenceTask.cnnFeatures(c);
        String backbone = c.torchScript() ? "torchscript " + Path.of(c.torchscriptPath()).getFileName()
                : c.backbone() + " w" + c.width();
        sliceModel(SequenceTask.network(c, FractureModels.SLICE_FRACTURE, Device.cpu()), backbone, batch, w, s, seconds,
                out);
        int len = c.maxStudyLength();
        double study = measure(new StudyNet(c.studyLstm()), new CompetitionLoss(),
                m -> new NDList(m.randomNormal(new Shape(studyBatch, len, features)), m.ones(new Shape(studyBatch, len))),
                m -> new NDList(m.randomUniform(0, 1, new Shape(studyBatch, 8)).gt(0.7).toType(DataType.FLOAT32, false)),
                new Shape[] {new Shape(studyBatch, len, features), new Shape(studyBatch, len)}, studyBatch, seconds);
        out.printf(Locale.ROOT, "djl     study model (M4) len %d batch %d, %d threads: training %.1f studies/s%n", len,
                studyBatch, Runtime.getRuntime().availableProcessors(), study);
        out.flush();
        List<String> peer = List.of(Integer.toString(c.width()), Integer.toString(s),
                Integer.toString(w), Integer.toString(c.lstm()), Integer.toString(batch), Integer.toString(c.studyLstm()),
                Integer.toString(len), Integer.toString(studyBatch),
                Integer.toString(Runtime.getRuntime().availableProcessors()), Double.toString(seconds),
                Integer.toString(c.stemStride(c.sliceFracture())), c.pool(), c.torchScript() ? "resnet" : c.backbone());
        PythonPeer.run(Path.of("bench/fracture_pytorch.py"), with(peer, c.torchScript() ? c.torchscriptPath() : null,
                c.normalisation()), out);
        if (torchscript != null) {
            String option = "bench fracture --torchscript";
            List<List<Double>> imagenet = List.of(FractureConfig.IMAGENET_MEAN, FractureConfig.IMAGENET_STD);
            SequenceNet net = new SequenceNet(TorchScriptBackbone.load(torchscript, option, Device.cpu(), s),
                    TorchScriptBackbone.features(torchscript, option, s), imagenet, c.lstm(), 15, 0);
            sliceModel(net, "torchscript " + torchscript.getFileName(), batch, w, s, seconds, out);
            PythonPeer.run(Path.of("bench/fracture_pytorch.py"),
                    with(peer, torchscript.toAbsolutePath().toString(), imagenet), out);
        }
    }

    /** The peer's arguments, with a TorchScript backbone and its normalisation when there is one. */
    private static List<String> with(List<String> peer, String torchscript, List<List<Double>> normalisation) {
        if (torchscript == null) {
            return peer;
        }
        List<String> args = new ArrayList<>(peer);
        args.add(torchscript);
        for (List<Double> values : normalisation) {
            args.add(values.stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        return args;
    }

    /** The slice model's (M3-like: 15 outputs, no image head) training speed, printed as images/s. */
    private static void sliceModel(SequenceNet net, String backbone, int batch, int w, int s, double seconds,
                                   PrintWriter out) {
        double slice = measure(net, new SequenceMseLoss(),
                m -> new NDList(m.randomNormal(new Shape(batch, w, 3, s, s)),
                        m.arange(0f, w).tile(batch).reshape(batch, w)),
                m -> new NDList(m.randomUniform(0, 1, new Shape(batch, w, 15)), m.ones(new Shape(batch, w))),
                new Shape[] {new Shape(batch, w, 3, s, s), new Shape(batch, w)}, batch * w, seconds);
        out.printf(Locale.ROOT, "djl     slice model (M3-like) %s %dpx window %d batch %d, %d threads: training %.1f "
                + "images/s%n", backbone, s, w, batch, Runtime.getRuntime().availableProcessors(), slice);
        out.flush();
    }

    /**
     * One epoch's input over the studies of a work folder that train-fracture filled: every 3-slice image windowed
     * from the crop cache (zstd over byte-shuffled planes), from the same crops stored raw (written once into a
     * folder beside the cache and deleted after), and by decoding the DICOM files, cropping and resizing them again.
     * Prints studies/s and slices/s of each, the bytes of both caches, and what an epoch of the competition's
     * training set reads from each.
     */
    public static void cropCache(CompetitionLayout data, WorkLayout work, FractureConfig c, PrintWriter out)
            throws IOException {
        List<FractureStudy> studies = FractureStudy.readAll(work);
        CropStore store = new CropStore(work, c.cropSize(), c.windowLevel(), c.windowWidth(), 1);
        CropBuilder builder = new CropBuilder(data.trainImages(), DicomSource.own(), c.cropSize(), c.cropMargin());
        float[] image = new float[3 * c.cropSize() * c.cropSize()];
        Path rawDir = work.root().resolve("bench-raw-crops");
        AtomicFiles.deleteTree(rawDir);
        Files.createDirectories(rawDir);
        long zstdBytes = 0;
        long rawBytes = 0;
        long slices = 0;
        try {
            for (FractureStudy s : studies) {
                Path cached = work.crop(c.cropSize(), s.uid());
                StudyCrop crop = StudyCrop.read(cached);
                crop.write(rawDir.resolve(cached.getFileName()), StudyCrop.Codec.RAW);
                zstdBytes += Files.size(cached);
                rawBytes += Files.size(rawDir.resolve(cached.getFileName()));
                slices += crop.slices();
            }
            for (int round = 0; round < 2; round++) { // the first round warms the JIT and the page cache
                long t0 = System.nanoTime();
                for (FractureStudy s : studies) {
                    windowAll(store, StudyCrop.read(work.crop(c.cropSize(), s.uid())), image);
                }
                double zstd = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                for (FractureStudy s : studies) {
                    windowAll(store, StudyCrop.read(rawDir.resolve(work.crop(c.cropSize(), s.uid()).getFileName())),
                            image);
                }
                double raw = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                for (FractureStudy s : studies) {
                    windowAll(store, builder.build(s.uid(), s.box(), s.slnumFrom(), s.slnumTo(), s.sliceNumbers()),
                            image);
                }
                double decoded = (System.nanoTime() - t0) / 1e9;
                if (round == 1) {
                    int n = studies.size();
                    out.printf(Locale.ROOT, "crop cache: an epoch's images of %d studies (%,d crop slices of %d px), one "
                            + "thread%n", n, slices, c.cropSize());
                    out.printf(Locale.ROOT, "  zstd (the cache)  %8.1f studies/s %9.0f slices/s  %,14d bytes%n",
                            n / zstd, slices / zstd, zstdBytes);
                    out.printf(Locale.ROOT, "  raw               %8.1f studies/s %9.0f slices/s  %,14d bytes (%.2fx)%n",
                            n / raw, slices / raw, rawBytes, (double) rawBytes / zstdBytes);
                    out.printf(Locale.ROOT, "  decoding DICOM    %8.1f studies/s %9.0f slices/s%n", n / decoded,
                            slices / decoded);
                    out.printf(Locale.ROOT, "  an epoch over %,d studies: %.1f min from zstd, %.1f min raw, %.1f min "
                            + "decoding; %.1f GB zstd, %.1f GB raw%n", COMPETITION_STUDIES,
                            zstd / n * COMPETITION_STUDIES / 60, raw / n * COMPETITION_STUDIES / 60,
                            decoded / n * COMPETITION_STUDIES / 60, zstdBytes / (double) n * COMPETITION_STUDIES / 1e9,
                            rawBytes / (double) n * COMPETITION_STUDIES / 1e9);
                }
            }
        } finally {
            AtomicFiles.deleteTree(rawDir);
        }
        out.flush();
    }

    private static void windowAll(CropStore store, StudyCrop crop, float[] image) {
        for (int i = 0; i < CropStore.images(crop.slices()); i++) {
            store.image(crop, i, image, 0);
        }
    }

    /** Makes the arrays of one batch in a manager. */
    private interface Arrays {
        NDList make(NDManager m);
    }

    /** Training steps per second × samples per step: forward, loss, backward, AdamW. */
    private static double measure(Block net, Loss loss, Arrays inputs, Arrays labels, Shape[] shapes, int perStep,
                                  double seconds) {
        Engine.getInstance().setRandomSeed(0);
        try (Model model = Model.newInstance("bench")) {
            model.setBlock(net);
            Map<String, String> names = new HashMap<>();
            for (Pair<String, Parameter> p : net.getParameters()) {
                names.put(p.getValue().getId(), p.getKey());
            }
            CheckpointableAdamW adam = new CheckpointableAdamW(new WarmupCosine(1e-3, 1_000_000, 0), 0f,
                    model.getNDManager().newSubManager(), names);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adam));
                 NDManager m = trainer.getManager().newSubManager()) {
                trainer.initialize(shapes);
                NDList x = inputs.make(m);
                NDList y = labels.make(m);
                // every array of a step lives in its own sub-manager, as in the trainer
                return Throughput.measure(() -> {
                    try (NDManager step = m.newSubManager()) {
                        NDList xs = new NDList();
                        x.forEach(a -> xs.add(BboxBenchmark.in(a, step)));
                        NDList ys = new NDList();
                        y.forEach(a -> ys.add(BboxBenchmark.in(a, step)));
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            gc.backward(loss.evaluate(ys, trainer.forward(xs)));
                        }
                        trainer.step();
                        adam.endStep();
                    }
                }, perStep, seconds);
            }
        }
    }

}
