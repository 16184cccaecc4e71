package org.rsna22.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rsna22.batch.JobRunner;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.demo.DemoDatasetGenerator;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;

/**
 * One trained work folder per test JVM, for the tests of test-set inference and of what is on disk: 6 generated
 * training studies, every stage run as its own job with fracture-test.yaml, then infer-bbox and infer-fracture on a
 * test set of 3 of the training studies' image folders and one study whose files are not DICOM. Tests copy it
 * ({@link #copy}) and never change it.
 */
public final class TrainedWorkFolder {

    public static final String CONFIG = Path.of("src/test/resources/fracture-test.yaml").toAbsolutePath().toString();
    public static final String EXPERIMENT = "fracture-test";
    public static final String BAD_UID = "1.2.826.0.1.3680043.99999";
    public static final List<String> STAGES = List.of("prepare", "train-bbox", "infer-bbox", "train-fracture");

    private static Path root;
    private static Path reference;

    private TrainedWorkFolder() {
    }

    /** Where the datasets and the trained work folder live (made on first use, deleted when the JVM exits). */
    private static synchronized Path root() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("rsna22-trained-");
            Path r = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> TestFiles.deleteQuietly(r)));
            Path data = root.resolve("data");
            new DemoDatasetGenerator(new DemoDatasetGenerator.Options(6, 32, 5, 24, 2, true)).generate(data, null);
            Path testSet = root.resolve("test");
            List<String> train = Files.readAllLines(data.resolve("train.csv"));
            List<String> truth = new ArrayList<>(List.of(train.get(0)));
            for (String row : train.subList(1, 4)) {
                String uid = row.split(",")[0];
                TestFiles.copyTree(data.resolve("train_images").resolve(uid), testSet.resolve("test_images").resolve(uid));
                truth.add(row);
            }
            Path bad = Files.createDirectories(testSet.resolve("test_images").resolve(BAD_UID));
            for (int i = 1; i <= 4; i++) {
                Files.writeString(bad.resolve(i + ".dcm"), "not a DICOM file " + i);
            }
            truth.add(BAD_UID + ",1,0,1,0,0,0,0,0");
            Files.write(root.resolve("test-labels.csv"), truth);
        }
        return root;
    }

    /** The 6 training studies. */
    public static Path data() throws IOException {
        return root().resolve("data");
    }

    /** The test set: 3 readable studies and {@link #BAD_UID}. */
    public static Path testSet() throws IOException {
        return root().resolve("test");
    }

    /** The test set's labels in train.csv's layout. */
    public static Path labels() throws IOException {
        return root().resolve("test-labels.csv");
    }

    /**
     * The trained work folder, made on first use with {@code runner} (each stage its own job, then the test set's
     * infer-bbox and infer-fracture, every one COMPLETED).
     */
    public static synchronized Path reference(JobRunner runner, FailingDicomSource source) throws Exception {
        if (reference == null) {
            source.disarm();
            Path w = root().resolve("reference");
            for (String job : STAGES) {
                assertThat(JobTestSupport.run(runner, job, data(), w, CONFIG).getStatus()).as(job)
                        .isEqualTo(BatchStatus.COMPLETED);
            }
            JobExecution testBoxes = JobTestSupport.run(runner, "infer-bbox", testSet(), w, CONFIG);
            assertThat(testBoxes.getStatus()).isEqualTo(BatchStatus.COMPLETED);
            JobTestSupport.assertSkipCountsMatch(testBoxes, new WorkLayout(w).skipped());
            JobExecution answers = JobTestSupport.run(runner, "infer-fracture", testSet(), w, CONFIG);
            assertThat(answers.getStatus()).isEqualTo(BatchStatus.COMPLETED);
            JobTestSupport.assertSkipCountsMatch(answers, new WorkLayout(w).skipped());
            reference = w;
        }
        return reference;
    }

    /** A copy of the trained work folder under {@code name}, for a test to change. */
    public static Path copy(JobRunner runner, FailingDicomSource source, String name) throws Exception {
        Path ref = reference(runner, source);
        Path to = root().resolve(name);
        TestFiles.deleteQuietly(to);
        return TestFiles.copyTree(ref, to);
    }

    /** A fresh folder beside the others (a test set of a test's own). */
    public static Path scratch(String name) throws IOException {
        Path p = root().resolve(name);
        TestFiles.deleteQuietly(p);
        return Files.createDirectories(p);
    }
}
