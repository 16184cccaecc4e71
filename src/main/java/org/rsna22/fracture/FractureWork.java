package org.rsna22.fracture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.fracture.StudyPartitionTasklet.StudyWork;
import org.rsna22.io.CheckedFiles;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.model.DevicePool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The per-study work of the fracture job's partitioned steps: study crops and embeddings. */
public final class FractureWork {

    /** A device of the pool, for a step or partition that runs a network. */
    static DevicePool.Lease acquire(DevicePool devices) {
        try {
            return devices.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free device", e);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(FractureWork.class);

    private FractureWork() {
    }

    /**
     * studyCrops: each study's crop, decoded once from the DICOM files under {@code images} into the crop cache; a
     * cached crop of the same box, slice range and size is kept when it verifies, and made again (with a log line
     * naming it) when it does not.
     */
    public static StudyWork crops(Path images, Subset subset, WorkLayout work, DicomSource dicom, FractureConfig c) {
        CropBuilder builder = new CropBuilder(images, dicom, c.cropSize(), c.cropMargin());
        return s -> {
            Path file = work.crop(subset, c.cropSize(), s.uid());
            if (Files.isRegularFile(file)) {
                String problem = CheckedFiles.problem(file);
                if (problem == null && builder.matches(StudyCrop.readHeader(file), s.box(), s.slnumFrom(), s.slnumTo(),
                        s.sliceNumbers())) {
                    return;
                }
                if (problem != null) {
                    LOG.warn("{}; made again from its DICOM files", problem);
                }
            }
            builder.build(s.uid(), s.box(), s.slnumFrom(), s.slnumTo(), s.sliceNumbers()).write(file);
        };
    }

    /**
     * What makes a training study's crop again when the cached one is found damaged later (by a model's epoch): the
     * studyCrops work on that study, from train_bbox_pred_v02 and the DICOM files under {@code images}.
     */
    public static CropStore.Source cropSource(Path images, WorkLayout work, DicomSource dicom, FractureConfig c) {
        StudyWork crops = crops(images, Subset.TRAIN, work, dicom, c);
        Map<String, FractureStudy> byUid = new ConcurrentHashMap<>();
        return uid -> {
            if (byUid.isEmpty()) {
                FractureStudy.readAll(work).forEach(s -> byUid.put(s.uid(), s));
            }
            FractureStudy s = byUid.get(uid);
            if (s == null) {
                throw new IOException("no study box of study " + uid + " in " + work.bboxPred(Subset.TRAIN)
                        + " to make its crop again from");
            }
            crops.process(s);
            return StudyCrop.read(work.crop(Subset.TRAIN, c.cropSize(), uid));
        };
    }

    /**
     * embeddings: each study's image embeddings by every slice-fracture run that a study model uses (each fold's runs,
     * or the all-data ones: {@link FractureModels#embeddingRuns}), kept when already there.
     */
    public static StudyWork embeddings(FractureModels models, FractureConfig c) {
        List<Integer> folds = c.sliceFracture().folds();
        for (int fold : folds) {
            models.embeddingRuns(fold); // fails now, naming the run, when one is not finished
        }
        CropStore crops = models.crops();
        return new StudyWork() {
            private DevicePool.Lease device;
            private EmbeddingCache cache;

            @Override
            public void process(FractureStudy s) throws IOException {
                if (!crops.has(s.uid())) {
                    return; // skipped by studyCrops, recorded there
                }
                if (cache == null) { // the partition's device, held until it ends
                    device = acquire(models.devices());
                    cache = new EmbeddingCache(models, c, device.device());
                }
                for (int fold : folds) {
                    if (c.studyReadsScores() && fold != models.embeddingFold(s.fold(), s.fold())) {
                        continue; // (scores) by an M3 that trained on the study: no study model reads it
                    }
                    cache.ensure(fold, s.uid());
                }
            }

            @Override
            public String device() {
                return device == null ? null : device.name();
            }

            @Override
            public void close() {
                if (cache != null) {
                    cache.close();
                    cache = null;
                }
                if (device != null) {
                    device.close();
                    device = null;
                }
            }
        };
    }
}
