package org.rsna22.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.testsupport.JarProcess;

/**
 * kill -9 of the packaged jar while train-bbox is in the middle of its first run, then the same command
 * again: the dead execution is marked failed, the run resumes from its newest checkpoint, and both runs end
 * with the weights and metrics of an uninterrupted job, byte for byte.
 */
class TrainBboxKillRestartIT {

    @Test
    void killedMidTrainingResumesFromItsCheckpointToTheSameWeights(@TempDir Path tmp) throws Exception {
        Path data = JarProcess.generateDemo(6, 32, 24);
        Path config = tmp.resolve("kill-test.yaml");
        // long enough (in epochs) to be killed mid-run; tiny images keep each epoch short
        Files.writeString(config, Files.readString(Path.of("src/test/resources/bbox-test.yaml"))
                .replace("epochs: 3", "epochs: 30"));
        Path reference = tmp.resolve("reference");
        Path work = tmp.resolve("work");
        for (Path w : List.of(reference, work)) {
            assertThat(JarProcess.run(tmp.resolve("prepare-" + w.getFileName() + ".log"), "run", "prepare",
                    "data=" + data, "work=" + w, "config=" + config, "--no-web",
                    "--rsna22.db-dir=" + tmp.resolve("db-" + w.getFileName()))).isZero();
        }
        String[] ref = {"run", "train-bbox", "data=" + data, "work=" + reference, "config=" + config, "--no-web",
            "--rsna22.db-dir=" + tmp.resolve("db-reference")};
        assertThat(JarProcess.run(tmp.resolve("ref.log"), ref)).isZero();

        String[] args = {"run", "train-bbox", "data=" + data, "work=" + work, "config=" + config, "--no-web",
            "--rsna22.db-dir=" + tmp.resolve("db-work")};
        JarProcess first = JarProcess.start(tmp.resolve("first.log"), args);
        TrainRun fold0 = TrainRun.of(work, "kill-test", 0, 0);
        long deadline = System.currentTimeMillis() + 240_000;
        while (!Files.isDirectory(fold0.checkpoints().resolve("epoch-004")) && first.isAlive()
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertThat(first.isAlive()).as("still training when killed: " + first.output()).isTrue();
        first.kill9();
        assertThat(fold0.model()).as("fold 0 unfinished when killed").doesNotExist();

        Path secondLog = tmp.resolve("second.log");
        int exit = JarProcess.run(secondLog, args);
        String out = Files.readString(secondLog);
        assertThat(exit).as(out).isZero();
        assertThat(out).contains("was left STARTED by process " + first.pid() + ", which is gone: marked FAILED")
                .contains("train-bbox COMPLETED").containsPattern("fold0-seed0 resumes from checkpoint epoch-0\\d\\d")
                .doesNotContain("fold1-seed0 resumes");
        for (int fold : new int[] {0, 1}) {
            TrainRun a = TrainRun.of(reference, "kill-test", fold, 0);
            TrainRun b = TrainRun.of(work, "kill-test", fold, 0);
            assertThat(Files.readAllBytes(b.model().resolve("bbox-0000.params"))).as("weights of fold " + fold)
                    .isEqualTo(Files.readAllBytes(a.model().resolve("bbox-0000.params")));
            // the epochs, losses and validation figures match; the timing columns differ
            assertThat(metricsWithoutTiming(b)).as("metrics of fold " + fold).hasSize(31)
                    .isEqualTo(metricsWithoutTiming(a));
        }
    }

    private static List<String> metricsWithoutTiming(TrainRun run) throws Exception {
        return Files.readAllLines(run.dir().resolve("metrics.csv")).stream()
                .map(l -> String.join(",", List.of(l.split(",")).subList(0, 6))).toList();
    }
}
