package org.rsna22.training;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.FolderManifest;
import org.rsna22.model.Engines;
import org.rsna22.model.Gradients;
import org.rsna22.model.NoGrad;
import org.rsna22.model.SavedModels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one (fold, seed) run of any model ({@link TrainingTask}) in steps that a tasklet can call repeatedly: each
 * call trains for a while; at every epoch end it validates, writes metrics.csv and a checkpoint (parameters,
 * optimiser moments, epoch, step). Opened on a run folder with checkpoints it resumes from the latest one. All
 * randomness derives from (seed, epoch, position), so a resumed run repeats the uninterrupted one byte for byte.
 */
public final class ModelTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelTrainer.class);
    private static final String OPTIMIZER_STATE = "optimizer.ndlist";
    private static final String TRAINER_STATE = "state.properties";
    private static final String MANIFEST = SavedModels.MANIFEST;
    /** Held while a run seeds the engine's random generator and draws its initial weights. */
    private static final Object ENGINE_RANDOM = new Object();

    private final TrainingTask task;
    private final TrainingSettings settings;
    private final TrainRun run;
    private final TrainingListener listener;
    private final Device device;
    /** Parameter id → name, which the optimiser's state is kept by. */
    private Map<String, String> parameterNames;
    /** The largest memory in use on a GPU seen this epoch (bytes); unused on the CPU. */
    private double deviceMemoryPeak;
    /** The batches each epoch trains on: all of them, or the first ones of its order (limit_train_batches). */
    private final int batchesPerEpoch;
    private final int fullBatchesPerEpoch;

    private Model model;
    private Trainer trainer;
    private CheckpointableAdamW optimizer;
    private int epoch;
    private int batchInEpoch;
    private BatchLoader loader;
    private double epochLoss;
    private long epochSamples;
    private long epochStartNanos;
    private final List<EpochMetrics> history = new ArrayList<>();

    public ModelTrainer(TrainingTask task, TrainRun run, TrainingListener listener) {
        this(task, run, listener, Device.cpu());
    }

    /** @param device where the run's model, optimiser state and batches live */
    public ModelTrainer(TrainingTask task, TrainRun run, TrainingListener listener, Device device) {
        this.device = device;
        this.task = task;
        this.settings = task.settings().forSamples(task.trainSamples());
        this.run = run;
        this.listener = listener;
        this.fullBatchesPerEpoch = batches(task.trainSamples(), settings.batchSize());
        this.batchesPerEpoch = settings.limitTrain().apply(fullBatchesPerEpoch);
        if (batchesPerEpoch == 0) {
            throw new IllegalStateException(run.name() + ": no training samples for " + task.modelName()
                    + " (no usable study outside fold " + run.fold() + ")");
        }
    }

    /**
     * Optimiser steps of a whole run on {@code samples} training samples (limit_train_batches and min_steps applied).
     */
    public static long totalSteps(long samples, TrainingSettings settings) {
        TrainingSettings run = settings.forSamples(samples);
        return (long) run.batchesPerEpoch(samples) * run.epochs();
    }

    private static int batches(long samples, int batchSize) {
        return (int) ((samples + batchSize - 1) / batchSize);
    }

    public long totalSteps() {
        return (long) batchesPerEpoch * settings.epochs();
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

    /**
     * Builds the model and restores the latest usable checkpoint, if any. Runs that train at once (one per device)
     * open one after another: initial weights come from the engine's one random generator, seeded by the run.
     */
    public void open() throws IOException {
        synchronized (ENGINE_RANDOM) {
            openAlone();
        }
    }

    private void openAlone() throws IOException {
        Files.createDirectories(run.dir());
        newModel();
        Path restored = restoreLatestUsable();
        if (restored != null) {
            LOG.info("{} {} resumes from checkpoint {} (epoch {} of {}, step {})", task.modelName(), run.name(),
                    restored.getFileName(), epoch, settings.epochs(), optimizer.step());
        } else if (task.start() != null) {
            startFrom(task.start());
        }
        trainer = model.newTrainer(new DefaultTrainingConfig(task.loss()).optOptimizer(optimizer)
                .optDevices(new Device[] {device}));
        trainer.initialize(task.inputShapes());
        history.addAll(readMetrics());
    }

    /** Trains for about maxMillis (at least one batch); returns true when every epoch is done. */
    public boolean trainFor(long maxMillis) throws IOException {
        long until = System.nanoTime() + maxMillis * 1_000_000;
        while (epoch < settings.epochs()) {
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
        if (epoch >= settings.epochs()) {
            saveFinalModel();
            return true;
        }
        return false;
    }

    private void startEpoch() {
        listener.onEpochStart(run, epoch);
        List<Integer> order = new ArrayList<>(IntStream.range(0, task.trainSamples()).boxed().toList());
        Collections.shuffle(order, new Random(run.seed() * 1_000_003L + epoch));
        long seed = run.seed() * 7919L + epoch;
        int bs = settings.batchSize();
        loader = new BatchLoader(b -> task.batch(order, b * bs, Math.min(order.size(), (b + 1) * bs), seed, true),
                batchesPerEpoch, settings.loaderThreads(), settings.prefetchBatches());
        batchInEpoch = 0;
        epochLoss = 0;
        epochSamples = 0;
        epochStartNanos = System.nanoTime();
    }

    private void trainBatch(HostBatch b) {
        float value;
        try (NDManager m = trainer.getManager().newSubManager()) {
            NDList x = b.inputs(m);
            NDList y = b.labels(m);
            try (Gradients gc = Gradients.record()) {
                NDList out = trainer.forward(x);
                NDArray l = task.loss().evaluate(y, out);
                gc.backward(l);
                value = l.getFloat();
            }
            if (!Float.isFinite(value)) {
                // before the step, so that the weights stay finite; the last checkpoint stays the newest
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s %s diverged: training loss %s at epoch %d, batch %d (learning rate %.3g); lower %s.lr or "
                                + "raise %s.warmup, then restart: it resumes from the last checkpoint", task.modelName(),
                        run.name(), value, epoch + 1, batchInEpoch + 1, optimizer.currentLr(), settings.section(),
                        settings.section()));
            }
            trainer.step();
            optimizer.endStep();
        }
        batchInEpoch++;
        if (device.isGpu()) {
            deviceMemoryPeak = Math.max(deviceMemoryPeak, Engines.memoryInUse(device));
        }
        epochLoss += value * b.count();
        epochSamples += b.count();
        double secs = (System.nanoTime() - epochStartNanos) / 1e9;
        listener.onBatch(run, epoch, batchInEpoch, batchesPerEpoch, value, epochSamples / Math.max(1e-9, secs));
    }

    private void endEpoch() throws IOException {
        loader.close();
        loader = null;
        double secs = (System.nanoTime() - epochStartNanos) / 1e9;
        List<String> names = task.validationMetricNames();
        int fullValBatches = batches(task.validationSamples(), settings.valBatchSize());
        // an epoch that does not validate (validate_every) writes its row without validation values, as fold -1 does
        int valBatches = settings.validates(epoch + 1) ? settings.limitVal().apply(fullValBatches) : 0;
        double[] val;
        if (valBatches == 0) {
            val = new double[names.size() + 1];
            Arrays.fill(val, Double.NaN);
        } else {
            val = validate(valBatches);
        }
        EpochMetrics.Limits limits = settings.limited() ? new EpochMetrics.Limits(batchInEpoch, fullBatchesPerEpoch,
                valBatches, fullValBatches) : null;
        EpochMetrics em = new EpochMetrics(epoch + 1, epochLoss / Math.max(1, epochSamples), val[0], names,
                Arrays.copyOfRange(val, 1, val.length), optimizer.currentLr(), secs, epochSamples / Math.max(1e-9, secs),
                limits, device.isGpu() ? deviceMemoryPeak / (1024 * 1024) : null);
        deviceMemoryPeak = 0;
        history.add(em);
        epoch++;
        // metrics first: killed in between, the restart drops the rows past its checkpoint and trains them again;
        // the other way round it would keep a checkpoint whose metrics row was never written
        writeMetrics();
        checkpoint();
        listener.onEpochEnd(run, em);
    }

    /** Validation loss (mean over samples) on the first {@code valBatches} batches, then the task's metrics. */
    private double[] validate(int valBatches) throws IOException {
        TrainingTask.Validation v = task.newValidation();
        List<Integer> order = IntStream.range(0, task.validationSamples()).boxed().toList();
        int bs = settings.valBatchSize();
        double lossSum = 0;
        long count = 0;
        try (NoGrad g = NoGrad.enter();
             BatchLoader vl = new BatchLoader(b -> task.batch(order, b * bs, Math.min(order.size(), (b + 1) * bs), 0,
                     false), valBatches, settings.loaderThreads(), settings.prefetchBatches())) {
            while (vl.hasNext()) {
                HostBatch b = vl.next();
                try (NDManager m = trainer.getManager().newSubManager()) {
                    NDList out = trainer.evaluate(b.inputs(m));
                    lossSum += task.loss().evaluate(b.labels(m), out).getFloat() * b.count();
                    count += b.count();
                    v.add(b, out);
                }
            }
        }
        double[] metrics = v.result();
        double[] out = new double[metrics.length + 1];
        out[0] = lossSum / count;
        System.arraycopy(metrics, 0, out, 1, metrics.length);
        return out;
    }

    // --- checkpoints ---

    /** A fresh model and optimiser, the engine's random generator seeded by the run (so every start is alike). */
    private void newModel() {
        Engine.getInstance().setRandomSeed(run.seed());
        Block block = task.block(device);
        model = Model.newInstance(task.modelName(), device);
        model.setBlock(block);
        parameterNames = new HashMap<>();
        nameParameters();
        optimizer = new CheckpointableAdamW(
                new WarmupCosine(settings.lr(), totalSteps(), settings.warmup(), settings.cosine()),
                (float) settings.weightDecay(), model.getNDManager().newSubManager(), parameterNames);
    }

    /**
     * Names the block's parameters for the optimiser; again after weights are loaded, since a TorchScript backbone's
     * load replaces its parameters with the loaded module's.
     */
    private void nameParameters() {
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            parameterNames.put(p.getValue().getId(), p.getKey());
        }
    }

    /** The checkpoints, newest first. */
    private List<Path> checkpointsNewestFirst() throws IOException {
        if (!Files.isDirectory(run.checkpoints())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(run.checkpoints())) {
            return s.filter(RunFolder::isCheckpoint).sorted(Comparator.reverseOrder()).toList();
        }
    }

    /**
     * Restores the newest checkpoint that matches its manifest and loads; a damaged or incomplete one is reported
     * (file and reason) and the one before it is tried. Returns the checkpoint restored, or null when there is none
     * to resume from; when there were some but none was usable, the run starts over and says so.
     */
    private Path restoreLatestUsable() throws IOException {
        List<Path> checkpoints = checkpointsNewestFirst();
        boolean initialized = false;
        for (Path dir : checkpoints) {
            String problem = FolderManifest.problem(dir, MANIFEST);
            if (problem == null) {
                if (!initialized) {
                    // parameters are loaded before the trainer exists: its parameter store must see the loaded
                    // arrays, and initialisation skips parameters that already hold values
                    model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, task.inputShapes());
                    initialized = true;
                }
                try {
                    restore(dir);
                    return dir;
                } catch (IOException | RuntimeException e) {
                    problem = dir + " does not load: " + e;
                }
            }
            LOG.warn("{} {}: checkpoint {} is not usable ({}); trying the one before it", task.modelName(), run.name(),
                    dir.getFileName(), problem);
        }
        if (!checkpoints.isEmpty()) {
            LOG.warn("{} {}: none of the {} checkpoints in {} is usable: the run starts over from epoch 1",
                    task.modelName(), run.name(), checkpoints.size(), run.checkpoints());
            epoch = 0;
            if (initialized) { // parameters of a failed restore: back to the run's own initial values
                model.close();
                newModel();
            }
        }
        return null;
    }

    /** Loads a pretrained model's weights into the fresh block (the same network; its parameters must fit). */
    private void startFrom(TrainingTask.Start start) throws IOException {
        if (!Files.isDirectory(start.model())) {
            throw new IllegalStateException(run.name() + ": " + task.modelName() + " starts from " + start.model()
                    + ", which is not there (its pretraining has not finished)");
        }
        model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, task.inputShapes());
        try {
            SavedModels.load(model, start.model(), start.name());
            nameParameters();
        } catch (SavedModels.DamagedModelException e) {
            throw new IllegalStateException(run.name() + ": " + task.modelName() + " cannot start from its pretraining: "
                    + e.getMessage() + "; " + SavedModels.remedy("train-fracture"), e);
        }
        LOG.info("{} {} starts from the weights of {}", task.modelName(), run.name(), start.model());
    }

    private void checkpoint() throws IOException {
        AtomicFiles.writeFolder(run.folder().checkpoint(epoch), dir -> {
            model.save(dir, task.modelName());
            try (NDList state = optimizer.state()) {
                Files.write(dir.resolve(OPTIMIZER_STATE), state.encode());
            }
            Files.writeString(dir.resolve(TRAINER_STATE), "epoch=" + epoch + "\nstep=" + optimizer.step() + "\n",
                    StandardCharsets.UTF_8);
            FolderManifest.write(dir, MANIFEST); // last: a checkpoint without it is incomplete
        });
        // keep the two newest checkpoints
        try (Stream<Path> s = Files.list(run.checkpoints())) {
            List<Path> all = s.filter(RunFolder::isCheckpoint).sorted().toList();
            for (int i = 0; i + 2 < all.size(); i++) {
                AtomicFiles.deleteTree(all.get(i));
            }
        }
    }

    /** Loads the weight files named {@code name} from {@code dir} into the model; misfitting ones are an IOException. */
    private void loadParameters(Path dir, String name) throws IOException {
        try {
            model.load(dir, name);
            nameParameters();
        } catch (MalformedModelException e) {
            throw new IOException(dir + ": its parameters do not fit " + task.modelName() + ": " + e.getMessage(), e);
        }
    }

    private void restore(Path dir) throws IOException {
        loadParameters(dir, task.modelName());
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(TRAINER_STATE))) {
            p.load(in);
        }
        try (NDManager tmp = model.getNDManager().newSubManager()) {
            NDList state = NDList.decode(tmp, Files.readAllBytes(dir.resolve(OPTIMIZER_STATE)));
            optimizer.restore(state, Long.parseLong(p.getProperty("step")));
        }
        epoch = Integer.parseInt(p.getProperty("epoch"));
    }

    /**
     * The final weights with their manifest; a model folder that is already there is kept when it verifies, and
     * written again from these weights (the last checkpoint's) when it does not.
     */
    private void saveFinalModel() throws IOException {
        if (Files.isDirectory(run.model())) {
            String problem = SavedModels.problem(run.model());
            if (problem == null) {
                return;
            }
            LOG.warn("{} {}: the final model is damaged ({}); written again from the last checkpoint", task.modelName(),
                    run.name(), problem);
        }
        SavedModels.save(model, run.model(), task.modelName());
    }

    private void writeMetrics() throws IOException {
        StringBuilder sb = new StringBuilder(EpochMetrics.header(task.validationMetricNames(), settings.limited(),
                device.isGpu()))
                .append('\n');
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
            EpochMetrics m = EpochMetrics.parse(line, task.validationMetricNames(), settings.limited(),
                    lines.get(0).endsWith(EpochMetrics.DEVICE_MEMORY_COLUMN));
            if (m.epoch() > epoch) {
                break; // epochs after the restored checkpoint are trained again
            }
            out.add(m);
        }
        return out;
    }

    @Override
    public void close() {
        if (loader != null) {
            loader.close();
        }
        task.close();
        if (trainer != null) {
            trainer.close();
        }
        if (model != null) {
            model.close();
        }
    }
}
