package org.rsna22.fracture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.testsupport.JarProcess;
import org.rsna22.testsupport.TestFiles;

/**
 * kill -9 of the packaged jar while train-fracture trains the study classifier, then the same command again:
 * it resumes from the checkpoint and ends with the same out-of-fold predictions as an uninterrupted run.
 */
class TrainFractureKillRestartIT {

    @Test
    void killedDuringTrainStudyResumesToTheSameOutOfFoldPredictions(@TempDir Path tmp) throws Exception {
        Path data = JarProcess.generateDemo(6, 32, 24);
        Path config = tmp.resolve("kill-test.yaml");
        // the study classifier trains long enough (in epochs) to be killed mid-run; each of its epochs is short
        Files.writeString(config, Files.readString(Path.of("src/test/resources/fracture-test.yaml"))
                .replace("    epochs: 3\n    batch_size: 2", "    epochs: 60\n    batch_size: 2"));
        Path boxes = tmp.resolve("boxes");
        for (String job : List.of("prepare", "train-bbox", "infer-bbox")) {
            assertThat(JarProcess.run(tmp.resolve(job + ".log"), "run", job, "data=" + data, "work=" + boxes,
                    "config=" + config, "--no-web", "--rsna22.db-dir=" + tmp.resolve("db-boxes"))).as(job).isZero();
        }
        Path reference = TestFiles.copyTree(boxes, tmp.resolve("reference"));
        Path work = TestFiles.copyTree(boxes, tmp.resolve("work"));
        assertThat(JarProcess.run(tmp.resolve("ref.log"), "run", "train-fracture", "data=" + data, "work=" + reference,
                "config=" + config, "--no-web", "--rsna22.db-dir=" + tmp.resolve("db-ref"))).isZero();

        String[] args = {"run", "train-fracture", "data=" + data, "work=" + work, "config=" + config, "--no-web",
            "--rsna22.db-dir=" + tmp.resolve("db-work")};
        JarProcess first = JarProcess.start(tmp.resolve("first.log"), args);
        RunFolder study0 = new WorkLayout(work).run("kill-test", FractureModels.STUDY, 0, 0);
        long deadline = System.currentTimeMillis() + 300_000;
        while (!Files.isDirectory(study0.checkpoint(20)) && first.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertThat(first.isAlive()).as("still training when killed: " + first.output()).isTrue();
        first.kill9();
        assertThat(study0.model()).as("the study model of fold 0 unfinished when killed").doesNotExist();

        Path secondLog = tmp.resolve("second.log");
        int exit = JarProcess.run(secondLog, args);
        String out = Files.readString(secondLog);
        assertThat(exit).as(out).isZero();
        assertThat(out).contains("was left STARTED by process " + first.pid() + ", which is gone: marked FAILED")
                .contains("train-fracture COMPLETED").containsPattern("study fold0-seed0 resumes from checkpoint epoch-\\d\\d\\d");
        WorkLayout a = new WorkLayout(reference);
        WorkLayout b = new WorkLayout(work);
        assertThat(Files.readAllBytes(b.oofStudyPredictions())).isEqualTo(Files.readAllBytes(a.oofStudyPredictions()));
        assertThat(Files.readString(b.cvScore())).isEqualTo(Files.readString(a.cvScore()));
    }
}
