package org.rsna22.inference;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rsna22.config.BboxConfig;
import org.rsna22.dataset.SliceBoxes;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.model.BoxLocaliserNet;
import org.rsna22.model.NoGrad;
import org.rsna22.model.SavedModels;
import org.rsna22.model.SliceImageCache;
import org.rsna22.model.TripletSamples;
import org.rsna22.model.DevicePool;
import org.rsna22.ops.JobProgressService;
import org.rsna22.ops.NativeAllocator;
import org.rsna22.ops.ProcessMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Predicts every triplet of a study with the models of its own fold (out of fold), every seed, and averages
 * the seeds (the original concatenated them). Studies of a test set (fold -1) use the all-data models, or
 * every fold's when there are none. Each prediction is tagged with the triplet's middle slice.
 */
public class StudyPredictor implements ItemProcessor<SliceBoxes, List<SlicePrediction>>, StepExecutionListener,
        AutoCloseable {

    /**
     * What a partition's cached slices may take: a study is read in slice order, so a few batches' worth (64 slices at
     * 512 pixels) is all that is ever used again.
     */
    public static final long CACHE_BYTES = 64L << 20;

    /** At DEBUG, the native memory after each study (bench/allocator.sh and bench scale's leak check turn it on). */
    private static final Logger NATIVE_MEMORY = LoggerFactory.getLogger("org.rsna22.native-memory");

    private final BboxConfig config;
    private final WorkLayout work;
    private final String experiment;
    private final SliceImageCache images;
    private final int batchSize;
    private final Map<Integer, List<Model>> models = new HashMap<>();

    private final DevicePool devices;
    private DevicePool.Lease device;

    /** @param devices the pool the partition takes its device from, from its start to its end */
    public StudyPredictor(BboxConfig config, WorkLayout work, String experiment, SliceImageCache images, int batchSize,
                          DevicePool devices) {
        this.devices = devices;
        this.config = config;
        this.work = work;
        this.experiment = experiment;
        this.images = images;
        this.batchSize = batchSize;
    }

    @Override
    public List<SlicePrediction> process(SliceBoxes study) throws Exception {
        List<Model> fold = modelsOf(study.fold());
        if (study.fold() == -1) {
            images.requireOneSeries(study.studyUid(), study.sliceNumbers()); // prepare never saw a test study
        }
        TripletSamples samples = new TripletSamples(List.of(study), images, config.mean(), config.std());
        List<TripletSamples.Ref> refs = samples.refs();
        int n = refs.size();
        double[][] sum = new double[n][5];
        try (NoGrad g = NoGrad.enter()) {
            predict(fold, samples, refs, sum);
        }
        if (NATIVE_MEMORY.isDebugEnabled()) {
            // what is live against what is resident: a leak grows the first, an allocator's reserve only the second
            NATIVE_MEMORY.debug("native memory after {} triplets of {}: allocated {} MiB ({}), resident {} MiB", n,
                    study.studyUid(), NativeAllocator.allocatedBytes() >> 20, NativeAllocator.inUse(),
                    ProcessMemory.resident(ProcessHandle.current().pid()) >> 20);
        }
        List<SlicePrediction> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int middle = study.sliceNumbers()[refs.get(i).start() + 1];
            SliceImageCache.Slice any = images.get(study.studyUid(), middle);
            double k = fold.size();
            out.add(new SlicePrediction(study.studyUid(), middle, sum[i][0] / k, sum[i][1] / k, sum[i][2] / k,
                    sum[i][3] / k, sum[i][4] / k, any.rows(), any.columns()));
        }
        return out;
    }

    /** Adds every model's p(has_box) and box of every triplet of {@code refs} into {@code sum}. */
    private void predict(List<Model> fold, TripletSamples samples, List<TripletSamples.Ref> refs, double[][] sum)
            throws IOException {
        int n = refs.size();
        int s = config.imageSize();
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            float[] batch = new float[(to - from) * 3 * s * s];
            for (int i = from; i < to; i++) {
                float[][] ch = samples.load(refs.get(i), null, null).channels();
                for (int k = 0; k < 3; k++) {
                    System.arraycopy(ch[k], 0, batch, ((i - from) * 3 + k) * s * s, s * s);
                }
            }
            for (Model m : fold) {
                try (NDManager nd = m.getNDManager().newSubManager()) {
                    NDArray x = nd.create(batch, new Shape(to - from, 3, s, s));
                    NDList out = m.getBlock().forward(new ParameterStore(nd, false), new NDList(x), false);
                    float[] box = out.get(0).toFloatArray();
                    float[] p = out.get(1).neg().exp().add(1).pow(-1).toFloatArray();
                    for (int i = from; i < to; i++) {
                        sum[i][0] += p[i - from];
                        for (int k = 0; k < 4; k++) {
                            sum[i][1 + k] += box[(i - from) * 4 + k];
                        }
                    }
                }
            }
        }
    }

    /**
     * Every seed's model for the studies of {@code fold}; one whose saved model does not verify is left out (logged),
     * and a fold without a usable one fails the partition (an IllegalStateException: not a problem of the study).
     */
    private List<Model> modelsOf(int fold) throws IOException {
        List<Model> cached = models.get(fold);
        if (cached != null) {
            return cached;
        }
        List<RunFolder> seeds = work.trainedRuns(experiment, fold);
        if (seeds.isEmpty() && fold != -1) {
            seeds = work.trainedRuns(experiment, -1); // bbox.folds without this fold: the all-data run stands in
        }
        if (seeds.isEmpty() && fold == -1) {
            seeds = work.allTrainedRuns(experiment); // a test set without all-data models: every fold's, averaged
        }
        if (seeds.isEmpty()) {
            throw new IllegalStateException("no trained model for fold " + fold + " under " + work.runs(experiment)
                    + ": run train-bbox with this config (bbox.folds must include " + fold + ")");
        }
        SavedModels.Usable usable = SavedModels.usable(seeds);
        if (usable.runs().isEmpty()) {
            throw new IllegalStateException("no usable box localiser for fold " + fold + ": "
                    + String.join("; ", usable.leftOut()) + ". " + SavedModels.remedy("train-bbox"));
        }
        List<Model> out = new ArrayList<>();
        try {
            for (RunFolder seed : usable.runs()) {
                Model m = Model.newInstance("bbox", device().device());
                out.add(m);
                m.setBlock(BoxLocaliserNet.build(config, device().device()));
                SavedModels.load(m, seed.model(), "bbox");
            }
        } catch (IOException | RuntimeException e) {
            out.forEach(Model::close);
            throw e;
        }
        models.put(fold, out);
        return out;
    }

    /** The partition's device: taken when it starts, here at the latest. */
    private synchronized DevicePool.Lease device() {
        if (device == null) {
            try {
                device = devices.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a free device", e);
            }
        }
        return device;
    }

    @Override
    public void beforeStep(StepExecution step) {
        step.getExecutionContext().putString(JobProgressService.DETAIL_PREFIX + "device", device().name());
    }

    @Override
    public ExitStatus afterStep(StepExecution step) {
        close(); // ended, failed or stopped: models closed, the device back in the pool
        return step.getExitStatus();
    }

    @Override
    public synchronized void close() {
        models.values().forEach(list -> list.forEach(Model::close));
        models.clear();
        if (device != null) {
            device.close();
            device = null;
        }
    }
}
