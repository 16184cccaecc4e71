package org.rsna22.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.testsupport.JarProcess;
import org.rsna22.testsupport.TestFiles;

/**
 * A job that fails for a known reason says it in the first line of its summary and in the last line of its output,
 * with no stack trace on the console (it is in the work folder's logs/rsna22.log): inside a partition (infer-bbox
 * without trained box models, where Spring Batch's own message is "Partition handler returned an unsuccessful step")
 * and in a step (infer-fracture before train-fracture).
 */
class FailureReasonIT {

    @Test
    void theReasonIsTheLastLineAndTheStackTraceIsInTheLogFile(@TempDir Path tmp) throws Exception {
        Path data = JarProcess.generateDemo(60, 16, 300);
        Path test = tmp.resolve("test");
        try (var s = Files.list(data.resolve("train_images"))) {
            Path study = s.sorted().findFirst().orElseThrow();
            TestFiles.copyTree(study, test.resolve("test_images").resolve(study.getFileName().toString()));
        }
        Path work = tmp.resolve("work");
        String db = "--rsna22.db-dir=" + tmp.resolve("db");

        Path boxes = tmp.resolve("infer-bbox.log");
        assertThat(JarProcess.run(boxes, "run", "infer-bbox", "data=" + test, "work=" + work, "config=demo", db,
                "--no-web")).isEqualTo(1);
        assertReasonLast(boxes, "infer-bbox", "no trained model for fold -1");
        assertThat(Files.readString(boxes)).as("started with jemalloc: no note").doesNotContain("glibc's malloc");

        // started on glibc's malloc, as a plain java -jar is: one line says what it costs and how to start instead
        Path fracture = tmp.resolve("infer-fracture.log");
        JarProcess glibc = JarProcess.start(Map.of("LD_PRELOAD", ""), fracture, "run", "infer-fracture", "data=" + test,
                "work=" + work, "config=demo", db, "--no-web");
        assertThat(glibc.waitFor(300)).isEqualTo(1);
        assertReasonLast(fracture, "infer-fracture", "no finished study model");
        assertThat(Files.readString(fracture)).containsOnlyOnce("glibc's malloc").contains("./rsna22 COMMAND");

        String logged = Files.readString(work.resolve("logs").resolve("rsna22.log"));
        assertThat(logged).contains("\tat org.", "no trained model for fold -1");
    }

    private static void assertReasonLast(Path log, String job, String reason) throws Exception {
        String output = Files.readString(log);
        List<String> lines = output.strip().lines().toList();
        assertThat(lines.get(lines.size() - 1)).as(output).startsWith(job + " FAILED (execution").contains(reason);
        assertThat(lines).as(output).anySatisfy(l -> assertThat(l).startsWith(job + " FAILED: ").contains(reason));
        assertThat(lines).as(output).anySatisfy(l -> assertThat(l).startsWith("stack traces: ")
                .contains("logs/rsna22.log", "--debug"));
        assertThat(output).doesNotContain("\tat ", "Caused by:", "Partition handler returned");
        assertThat(lines.size()).as(output).isLessThan(20);
    }
}
