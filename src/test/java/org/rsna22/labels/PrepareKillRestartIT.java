package org.rsna22.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.testsupport.JarProcess;

/**
 * kill -9 in the middle of sliceMetadata, then the same command again: the dead execution is detected and
 * marked failed, the job resumes and its outputs equal those of an uninterrupted run, byte for byte.
 */
class PrepareKillRestartIT {

    static final String[] OUTPUTS = {"train_folded_v01.csv", "slice_meta_v01.csv.gz", "train_bbox_v01.csv.gz",
        "train_all_slices_v01.csv.gz", "skipped.csv"};

    @Test
    void killedMidSliceMetadataResumesToIdenticalOutputs(@TempDir Path tmp) throws Exception {
        Path data = JarProcess.generateDemo(30, 16, 300);
        Path config = tmp.resolve("one-thread.yaml");
        Files.writeString(config, "prepare:\n  threads: 1\n  studies_per_partition: 4\n");
        String[] common = {"run", "prepare", "data=" + data, "config=" + config, "--rsna22.prepare.slice-chunk-size=50", "--no-web"};

        Path reference = tmp.resolve("reference");
        assertThat(JarProcess.run(tmp.resolve("ref.log"), concat(common, "work=" + reference,
                "--rsna22.db-dir=" + tmp.resolve("db-ref")))).isZero();

        Path work = tmp.resolve("work");
        String[] args = concat(common, "work=" + work, "--rsna22.db-dir=" + tmp.resolve("db"));
        JarProcess first = JarProcess.start(tmp.resolve("first.log"), args);
        Path parts = work.resolve("parts/prepare/sliceMetadata");
        long deadline = System.currentTimeMillis() + 120_000;
        while (partBytes(parts) == 0 && first.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertThat(first.isAlive()).as("still in sliceMetadata when killed").isTrue();
        first.kill9();
        assertThat(Files.exists(work.resolve("slice_meta_v01.csv.gz"))).isFalse();

        Path secondLog = tmp.resolve("second.log");
        int exit = JarProcess.run(secondLog, args);
        String out = Files.readString(secondLog);
        assertThat(exit).as(out).isZero();
        assertThat(out).contains("was left STARTED by process " + first.pid() + ", which is gone: marked FAILED")
                .contains("restarting prepare").contains("prepare COMPLETED");
        for (String name : OUTPUTS) {
            assertThat(Files.readAllBytes(work.resolve(name))).as(name).isEqualTo(Files.readAllBytes(reference.resolve(name)));
        }
    }

    private static long partBytes(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
