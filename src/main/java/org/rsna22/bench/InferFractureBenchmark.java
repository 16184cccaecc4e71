package org.rsna22.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.fracture.FractureStudy;
import org.rsna22.fracture.TestSetPredictor;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.model.DevicePool;
import org.rsna22.model.Engines;

/**
 * Test-set inference speed (infer-fracture's per-study work: crop, embeddings, study-model ensemble) in studies/s
 * and slices/s: once from the DICOM files (the test crops' cache emptied first) and once from the crop cache.
 */
public final class InferFractureBenchmark {

    private InferFractureBenchmark() {
    }

    public static void run(CompetitionLayout test, WorkLayout work, ExperimentConfig c, PrintWriter out)
            throws IOException {
        List<FractureStudy> studies = FractureStudy.readTest(work, test.testImages());
        if (studies.isEmpty()) {
            throw new IllegalArgumentException(work.bboxPred(Subset.TEST) + " lists no study");
        }
        long slices = 0;
        for (FractureStudy s : studies) {
            try (var files = Files.list(test.testImages().resolve(s.uid()))) {
                slices += files.count();
            }
        }
        Path cache = work.crops(Subset.TEST, c.fracture().cropSize());
        AtomicFiles.deleteTree(cache);
        try (TestSetPredictor predictor = new TestSetPredictor(test.testImages(), work, c, DicomSource.own(),
                DevicePool.of("auto", Engines::gpuCount))) {
            out.printf("%d test studies, %d slices, an ensemble of %d study models%n", studies.size(), slices,
                    predictor.ensembleSize());
            for (String pass : new String[] {"from DICOM (crops built)", "from the crop cache"}) {
                long t0 = System.nanoTime();
                for (FractureStudy s : studies) {
                    predictor.process(s);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                out.printf(Locale.ROOT, "  %-26s %6.2f studies/s  %8.0f slices/s  (%.1f s)%n", pass,
                        studies.size() / seconds, slices / seconds, seconds);
                out.flush();
            }
        }
    }
}
