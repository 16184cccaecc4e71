package org.rsna22.training;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.loss.Loss;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.rsna22.config.BboxConfig;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.dataset.SkippedCsv;
import org.rsna22.dataset.SliceBoxes;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.model.Augmenter;
import org.rsna22.model.BoxLocaliserNet;
import org.rsna22.model.BoxLoss;
import org.rsna22.model.SliceImageCache;
import org.rsna22.model.TripletSamples;

/**
 * The box localiser (SPEC §4) as a {@link TrainingTask}: 2.5D triplets of the segmented studies, the union box and
 * has_box as targets, flip/contrast/affine augmentation of image and box together, validated by has_box AUC and the
 * mean IoU of the slices with a box.
 */
public final class BoxLocaliserTask implements TrainingTask {

    private final BboxConfig config;
    private final TripletSamples train;
    private final TripletSamples validation;
    private final Augmenter augmenter;
    private final BoxLoss loss;
    private Block block;

    public BoxLocaliserTask(BboxConfig config, TripletSamples train, TripletSamples validation) {
        this.config = config;
        this.train = train;
        this.validation = validation;
        this.augmenter = new Augmenter(config.augment());
        this.loss = new BoxLoss(config.boxLossWeight(), config.hasBoxLossWeight(), config.hasBoxClip().get(0),
                config.hasBoxClip().get(1));
    }

    /** What the training slices cached in memory may take: every slice of a small dataset, 1,024 at 512 pixels. */
    private static final long CACHE_BYTES = 1L << 30;
    /** The step name under which unreadable slices are recorded in skipped.csv. */
    public static final String SKIP_STEP = "trainBbox";

    /** The task of a (fold, seed) run: its studies' triplets from the box labels in the work folder. */
    public static BoxLocaliserTask open(CompetitionLayout data, WorkLayout work, BboxConfig c, int fold, DicomSource dicom)
            throws IOException {
        List<SliceBoxes> all = SliceBoxes.readBoxLabels(work.bboxLabels());
        SliceImageCache images = new SliceImageCache(data.trainImages(), dicom, c.imageSize(), c.windowLevel(),
                c.windowWidth(), CACHE_BYTES).tolerateUnreadable();
        return new BoxLocaliserTask(c, new TripletSamples(trainStudies(all, fold), images, c.mean(), c.std()),
                new TripletSamples(validationStudies(all, fold), images, c.mean(), c.std()));
    }

    public static TrainingSettings settings(BboxConfig c) {
        return new TrainingSettings("bbox", c.epochs(), c.batchSize(), c.valBatchSize(), c.lr(), c.weightDecay(),
                c.warmup(), true, c.loaderThreads(), c.prefetchBatches(), c.limitTrainBatches(), c.limitValBatches(),
                0, c.validateEvery());
    }

    /** Optimiser steps of a run of {@code fold} over the given box labels. */
    public static long totalSteps(List<SliceBoxes> all, int fold, BboxConfig c) {
        return ModelTrainer.totalSteps(TripletSamples.count(trainStudies(all, fold)), settings(c));
    }

    /** The studies a (fold, seed) run trains on: those outside its fold, or all for fold -1. */
    public static List<SliceBoxes> trainStudies(List<SliceBoxes> all, int fold) {
        return all.stream().filter(s -> TrainRun.trainsOn(fold, s.fold())).toList();
    }

    /** The studies a run validates on: its fold's (none for fold -1). */
    public static List<SliceBoxes> validationStudies(List<SliceBoxes> all, int fold) {
        return all.stream().filter(s -> TrainRun.validatesOn(fold, s.fold())).toList();
    }

    @Override
    public String modelName() {
        return "bbox";
    }

    /**
     * Puts the slices that the runs of train-bbox could not read (each run folder's skipped.csv) into the work
     * folder's skipped.csv, in place of the step's earlier rows.
     */
    public static void mergeSkips(WorkLayout work, ExperimentConfig c) {
        List<Path> parts = new ArrayList<>();
        for (int fold : c.bbox().folds()) {
            for (int seed : c.bbox().seeds()) {
                Path p = work.run(c.name(), fold, seed).skipped();
                if (Files.isRegularFile(p)) {
                    parts.add(p);
                }
            }
        }
        try {
            SkippedCsv.replace(work, List.of(SKIP_STEP), parts);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + work.skipped() + ": " + e.getMessage(), e);
        }
    }

    /** The slices that could not be read, as skips of the trainBbox step. */
    @Override
    public List<SkipRecord> skipped() {
        return train.images().unreadable().stream().map(u -> new SkipRecord(SKIP_STEP, u.studyUid(),
                Integer.toString(u.sliceNumber()), u.reason())).toList();
    }

    @Override
    public TrainingSettings settings() {
        return settings(config);
    }

    @Override
    public Block block(Device device) {
        if (block == null) {
            try {
                block = BoxLocaliserNet.build(config, device);
            } catch (IOException e) {
                throw new IllegalStateException("bbox backbone: " + e.getMessage(), e);
            }
        }
        return block;
    }

    @Override
    public Loss loss() {
        return loss;
    }

    @Override
    public Shape[] inputShapes() {
        return new Shape[] {new Shape(1, 3, config.imageSize(), config.imageSize())};
    }

    @Override
    public int trainSamples() {
        return train.refs().size();
    }

    @Override
    public int validationSamples() {
        return validation.refs().size();
    }

    @Override
    public HostBatch batch(List<Integer> order, int from, int to, long seed, boolean augment) throws IOException {
        TripletSamples samples = augment ? train : validation;
        int n = to - from;
        int plane = samples.size() * samples.size();
        float[] images = new float[n * 3 * plane];
        float[] boxes = new float[n * 4];
        float[] has = new float[n];
        for (int i = 0; i < n; i++) {
            TripletSamples.Ref ref = samples.refs().get(order.get(from + i));
            TripletSamples.Sample s = augment
                    ? samples.load(ref, augmenter, new Random(seed * 0x9E3779B97F4A7C15L + from + i))
                    : samples.load(ref, null, null);
            for (int k = 0; k < 3; k++) {
                System.arraycopy(s.channels()[k], 0, images, (i * 3 + k) * plane, plane);
            }
            System.arraycopy(s.box(), 0, boxes, i * 4, 4);
            has[i] = s.hasBox() ? 1f : 0f;
        }
        int size = samples.size();
        return new HostBatch(n, List.of(new HostBatch.Array(images, new Shape(n, 3, size, size))),
                List.of(new HostBatch.Array(boxes, new Shape(n, 4)), new HostBatch.Array(has, new Shape(n))));
    }

    @Override
    public List<String> validationMetricNames() {
        return List.of("val_auc", "val_iou");
    }

    /** has_box AUC over all validation triplets; mean IoU over those with a box. */
    @Override
    public Validation newValidation() {
        return new Validation() {
            private final List<double[]> scored = new ArrayList<>();
            private double iouSum;
            private int iouCount;

            @Override
            public void add(HostBatch b, NDList out) {
                float[] box = out.get(0).toFloatArray();
                float[] logit = out.get(1).toFloatArray();
                float[] truth = b.labels().get(0).data();
                float[] has = b.labels().get(1).data();
                for (int i = 0; i < b.count(); i++) {
                    scored.add(new double[] {logit[i], has[i]});
                    if (has[i] > 0) {
                        iouSum += ValidationMetrics.iou(box, truth, i);
                        iouCount++;
                    }
                }
            }

            @Override
            public double[] result() {
                return new double[] {ValidationMetrics.auc(scored), iouCount == 0 ? Double.NaN : iouSum / iouCount};
            }
        };
    }
}
