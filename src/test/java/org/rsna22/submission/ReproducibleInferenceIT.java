package org.rsna22.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.testsupport.JarProcess;
import org.rsna22.testsupport.TestFiles;

/**
 * The same test set, crops and models predicted again by another process give byte-identical outputs: the pipeline
 * that trained the models and a later {@code run infer-fracture} on a copy of its work folder. (Before predictions
 * ran without autograd in every thread, 16 of 24 probabilities differed in the 8th digit between the two.)
 */
class ReproducibleInferenceIT {

    @Test
    void aTestSetPredictedByAnotherProcessGivesTheSameBytes(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(6, 32, 5, 24, 2, true)).generate(data, null);
        Path generated = tmp.resolve("generated-test");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(2, 32, 9, 24, 1)).generate(generated, null);
        Path test = tmp.resolve("test");
        TestFiles.copyTree(generated.resolve("train_images"), test.resolve("test_images"));
        String config = "config=" + Path.of("src/test/resources/fracture-test.yaml").toAbsolutePath();

        Path first = tmp.resolve("first");
        Path pipeline = tmp.resolve("pipeline.log");
        assertThat(JarProcess.run(pipeline, "run", "pipeline", "data=" + data, "work=" + first, config, "test=" + test,
                "--rsna22.db-dir=" + tmp.resolve("db1"), "--no-web")).as(Files.readString(pipeline)).isZero();

        Path second = TestFiles.copyTree(first, tmp.resolve("second"));
        Files.delete(second.resolve("submission.csv"));
        Path again = tmp.resolve("again.log");
        assertThat(JarProcess.run(again, "run", "infer-fracture", "data=" + test, "work=" + second, config,
                "--rsna22.db-dir=" + tmp.resolve("db2"), "--no-web")).as(Files.readString(again)).isZero();

        assertThat(Files.readString(second.resolve("submission.csv")))
                .isEqualTo(Files.readString(first.resolve("submission.csv")));
        assertThat(Files.readAllLines(second.resolve("submission.csv"))).hasSize(1 + 2 * 8);
    }
}
