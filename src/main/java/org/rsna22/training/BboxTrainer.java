package org.rsna22.training;

import ai.djl.MalformedModelException;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.rsna22.config.BboxConfig;
import org.rsna22.dataset.SliceBoxes;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.io.AtomicFiles;
import org.rsna22.model.Augmenter;
import org.rsna22.model.BoxLoss;
import org.rsna22.model.TripletSamples;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one (fold, seed) box localiser in steps that a tasklet can call repeatedly: each call trains for a
 * while; at every epoch end it validates, writes metrics.csv and a checkpoint (parameters, optimiser
 * moments, epoch, step). Opened on a run folder with checkpoints it resumes from the latest one. All
 * randomness derives from (seed, epoch, position), so a resumed run repeats the uninterrupted one.
 */
public final class BboxTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BboxTrainer.class);
    private static final String NAME = "bbox";

    private final BboxConfig config;
    private final TrainRun run;
    private final TripletSamples train;
    private final TripletSamples validation;
    private final Block block;
    private final TrainingListener listener;
    private final Augmenter augmenter;
    private final BoxLoss loss;
    private final int batchesPerEpoch;

    private Model model;
    private Trainer trainer;
    private NDManager stateManager;
    private CheckpointableAdamW optimizer;
    private int epoch;
    private int batchInEpoch;
    private BatchLoader loader;
    private double epochLoss;
    private long epochImages;
    private long epochStartNanos;
    private final List<EpochMetrics> history = new ArrayList<>();

    public BboxTrainer(BboxConfig config, TrainRun run, TripletSamples train, TripletSamples validation, Block block,
                       TrainingListener listener) {
        this.config = config;
        this.run = run;
        this.train = train;
        this.validation = validation;
        this.block = block;
        this.listener = listener;
        this.augmenter = new Augmenter(config.augment());
        this.loss = new BoxLoss(config.boxLossWeight(), config.hasBoxLossWeight(), config.hasBoxClip().get(0),
                config.hasBoxClip().get(1));
        this.batchesPerEpoch = (train.refs().size() + config.batchSize() - 1) / config.batchSize();
        if (batchesPerEpoch == 0) {
            throw new IllegalStateException(run.name() + ": no training triplets (no segmented study outside fold "
                    + run.fold() + ")");
        }
    }

    public long totalSteps() {
        return (long) batchesPerEpoch * config.epochs();
    }

    /** Optimiser steps of a whole run on {@code triplets} training triplets. */
    public static long totalSteps(long triplets, BboxConfig config) {
        return (triplets + config.batchSize() - 1) / config.batchSize() * config.epochs();
    }

    /** The studies a (fold, seed) run trains on: those outside its fold, or all for fold -1. */
    public static List<SliceBoxes> trainStudies(List<SliceBoxes> all, int fold) {
        return all.stream().filter(s -> fold < 0 || s.fold() != fold).toList();
    }

    /** The studies a run validates on: its fold's (none for fold -1). */
    public static List<SliceBoxes> validationStudies(List<SliceBoxes> all, int fold) {
        return all.stream().filter(s -> fold >= 0 && s.fold() == fold).toList();
    }

    public long step() {
        return optimizer.step();
    }

    public int epoch() {
        return epoch;
    }

    public List<EpochMetrics> history() {
        return history;
    }

    /** Builds the model and restores the latest checkpoint, if any. */
    public void open() throws IOException {
        Files.createDirectories(run.dir());
        Engine.getInstance().setRandomSeed(run.seed());
        model = Model.newInstance(NAME);
        model.setBlock(block);
        Map<String, String> names = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            names.put(p.getValue().getId(), p.getKey());
        }
        stateManager = model.getNDManager().newSubManager();
        optimizer = new CheckpointableAdamW(new WarmupCosine(config.lr(), totalSteps(), config.warmup()),
                (float) config.weightDecay(), stateManager, names);
        Shape input = new Shape(1, 3, config.imageSize(), config.imageSize());
        Path latest = latestCheckpoint();
        if (latest != null) {
            // parameters are loaded before the trainer exists: its parameter store must see the loaded arrays,
            // and initialisation skips parameters that already hold values
            block.initialize(model.getNDManager(), DataType.FLOAT32, input);
            restore(latest);
            LOG.info("{} resumes from checkpoint {} (epoch {} of {}, step {})",
                    run.name(), latest.getFileName(), epoch, config.epochs(), optimizer.step());
        }
        trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(optimizer));
        trainer.initialize(input);
        history.addAll(readMetrics());
    }

    /** Trains for about maxMillis (at least one batch); returns true when every epoch is done. */
    public boolean trainFor(long maxMillis) throws IOException {
        long until = System.nanoTime() + maxMillis * 1_000_000;
        while (epoch < config.epochs()) {
            if (loader == null) {
                startEpoch();
            }
            if (loader.hasNext()) {
                trainBatch(loader.next());
            }
            if (!loader.hasNext()) {
                endEpoch();
            }
            if (System.nanoTime() > until) {
                break;
            }
        }
        if (epoch >= config.epochs()) {
            saveFinalModel();
            return true;
        }
        return false;
    }

    private void startEpoch() {
        listener.onEpochStart(run, epoch);
        Engine.getInstance().setRandomSeed(run.seed() * 1000 + epoch);
        List<TripletSamples.Ref> order = new ArrayList<>(train.refs());
        Collections.shuffle(order, new Random(run.seed() * 1_000_003L + epoch));
        loader = new BatchLoader(train, order, config.batchSize(), augmenter, run.seed() * 7919L + epoch,
                config.loaderThreads(), config.prefetchBatches(), 0);
        batchInEpoch = 0;
        epochLoss = 0;
        epochImages = 0;
        epochStartNanos = System.nanoTime();
    }

    private void trainBatch(HostBatch b) {
        int s = config.imageSize();
        float value;
        try (NDManager m = trainer.getManager().newSubManager()) {
            NDArray x = m.create(b.images(), new Shape(b.count(), 3, s, s));
            NDArray boxes = m.create(b.boxes(), new Shape(b.count(), 4));
            NDArray has = m.create(b.hasBox(), new Shape(b.count()));
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList out = trainer.forward(new NDList(x));
                NDArray l = loss.evaluate(new NDList(boxes, has), out);
                gc.backward(l);
                value = l.getFloat();
            }
            if (!Float.isFinite(value)) {
                // before the step, so that the weights stay finite; the last checkpoint stays the newest
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s diverged: training loss %s at epoch %d, batch %d (learning rate %.3g); lower bbox.lr or "
                                + "raise bbox.warmup, then restart: it resumes from the last checkpoint", run.name(),
                        value, epoch + 1, batchInEpoch + 1, optimizer.currentLr()));
            }
            trainer.step();
            optimizer.endStep();
        }
        batchInEpoch++;
        epochLoss += value * b.count();
        epochImages += b.count();
        double secs = (System.nanoTime() - epochStartNanos) / 1e9;
        listener.onBatch(run, epoch, batchInEpoch, batchesPerEpoch, value, epochImages / Math.max(1e-9, secs));
    }

    private void endEpoch() throws IOException {
        loader.close();
        loader = null;
        double secs = (System.nanoTime() - epochStartNanos) / 1e9;
        double[] val = validation == null || validation.refs().isEmpty()
                ? new double[] {Double.NaN, Double.NaN, Double.NaN} : validate();
        EpochMetrics em = new EpochMetrics(epoch + 1, epochLoss / Math.max(1, epochImages), val[0], val[1], val[2],
                optimizer.currentLr(), secs, epochImages / Math.max(1e-9, secs));
        history.add(em);
        epoch++;
        // metrics first: killed in between, the restart drops the rows past its checkpoint and trains them again;
        // the other way round it would keep a checkpoint whose metrics row was never written
        writeMetrics();
        checkpoint();
        listener.onEpochEnd(run, em);
    }

    /** Validation loss, has_box AUC and mean IoU on boxes. */
    private double[] validate() throws IOException {
        List<double[]> scored = new ArrayList<>();
        double lossSum = 0;
        double iouSum = 0;
        int iouCount = 0;
        int s = config.imageSize();
        try (BatchLoader vl = new BatchLoader(validation, validation.refs(), config.valBatchSize(), null, 0,
                config.loaderThreads(), config.prefetchBatches(), 0)) {
            while (vl.hasNext()) {
                HostBatch b = vl.next();
                try (NDManager m = trainer.getManager().newSubManager()) {
                    NDArray x = m.create(b.images(), new Shape(b.count(), 3, s, s));
                    NDList out = trainer.evaluate(new NDList(x));
                    lossSum += loss.evaluate(new NDList(m.create(b.boxes(), new Shape(b.count(), 4)),
                            m.create(b.hasBox(), new Shape(b.count()))), out).getFloat() * b.count();
                    float[] box = out.get(0).toFloatArray();
                    float[] logit = out.get(1).toFloatArray();
                    for (int i = 0; i < b.count(); i++) {
                        scored.add(new double[] {logit[i], b.hasBox()[i]});
                        if (b.hasBox()[i] > 0) {
                            iouSum += ValidationMetrics.iou(box, b.boxes(), i);
                            iouCount++;
                        }
                    }
                }
            }
        }
        return new double[] {lossSum / scored.size(), ValidationMetrics.auc(scored), iouCount == 0 ? Double.NaN : iouSum / iouCount};
    }

    // --- checkpoints ---

    private Path latestCheckpoint() throws IOException {
        if (!Files.isDirectory(run.checkpoints())) {
            return null;
        }
        try (Stream<Path> s = Files.list(run.checkpoints())) {
            return s.filter(RunFolder::isCheckpoint).max(Comparator.naturalOrder())
                    .orElse(null);
        }
    }

    private void checkpoint() throws IOException {
        AtomicFiles.writeFolder(run.folder().checkpoint(epoch), dir -> {
            model.save(dir, NAME);
            try (NDList state = optimizer.state()) {
                Files.write(dir.resolve("optimizer.ndlist"), state.encode());
            }
            Files.writeString(dir.resolve("state.properties"), "epoch=" + epoch + "\nstep=" + optimizer.step() + "\n",
                    StandardCharsets.UTF_8);
        });
        // keep the two newest checkpoints
        try (Stream<Path> s = Files.list(run.checkpoints())) {
            List<Path> all = s.filter(RunFolder::isCheckpoint).sorted().toList();
            for (int i = 0; i + 2 < all.size(); i++) {
                AtomicFiles.deleteTree(all.get(i));
            }
        }
    }

    private void restore(Path dir) throws IOException {
        try {
            model.load(dir, NAME);
        } catch (MalformedModelException e) {
            throw new IOException(dir + ": the checkpoint's parameters do not fit the model: " + e.getMessage(), e);
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(dir.resolve("state.properties"))) {
            p.load(in);
        }
        try (NDManager tmp = model.getNDManager().newSubManager()) {
            NDList state = NDList.decode(tmp, Files.readAllBytes(dir.resolve("optimizer.ndlist")));
            optimizer.restore(state, Long.parseLong(p.getProperty("step")));
        }
        epoch = Integer.parseInt(p.getProperty("epoch"));
    }

    private void saveFinalModel() throws IOException {
        if (!Files.isDirectory(run.model())) {
            AtomicFiles.writeFolder(run.model(), dir -> model.save(dir, NAME));
        }
    }

    private void writeMetrics() throws IOException {
        StringBuilder sb = new StringBuilder(EpochMetrics.HEADER).append('\n');
        history.forEach(m -> sb.append(m.csvLine()).append('\n'));
        AtomicFiles.write(run.folder().metrics(), sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private List<EpochMetrics> readMetrics() throws IOException {
        Path f = run.folder().metrics();
        List<EpochMetrics> out = new ArrayList<>();
        if (!Files.exists(f)) {
            return out;
        }
        List<String> lines = Files.readAllLines(f);
        for (String line : lines.subList(1, lines.size())) {
            String[] v = line.split(",", -1);
            if (Integer.parseInt(v[0]) > epoch) {
                break; // epochs after the restored checkpoint are trained again
            }
            out.add(new EpochMetrics(Integer.parseInt(v[0]), d(v[1]), d(v[2]), d(v[3]), d(v[4]), d(v[5]), d(v[6]), d(v[7])));
        }
        return out;
    }

    private static double d(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }


    @Override
    public void close() {
        if (loader != null) {
            loader.close();
        }
        if (trainer != null) {
            trainer.close();
        }
        if (model != null) {
            model.close();
        }
    }
}
