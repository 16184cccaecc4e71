package org.rsna22.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition that was given up writes nothing through AtomicFiles: no file or folder appears or is replaced, none is
 * deleted, no temporary file is left; the fence guards threads the partition starts, and nothing outside it.
 */
class WriteFenceTest {

    @Test
    void aFencedOffThreadWritesReplacesAndDeletesNothing(@TempDir Path tmp) throws Exception {
        Path kept = Files.writeString(tmp.resolve("model.txt"), "the new attempt's");
        Path folder = Files.createDirectories(tmp.resolve("checkpoint"));
        Files.writeString(folder.resolve("weights"), "the new attempt's");
        AtomicBoolean givenUp = new AtomicBoolean(false);
        WriteFence.Check check = () -> {
            if (givenUp.get()) {
                throw new WriteFence.FencedOffException("fenced off: partition p");
            }
        };
        WriteFence.during(check, () -> {
            try {
                AtomicFiles.write(tmp.resolve("before.txt"), "written".getBytes(StandardCharsets.UTF_8));
                givenUp.set(true);
                assertThatThrownBy(() -> AtomicFiles.write(kept, "stale".getBytes(StandardCharsets.UTF_8)))
                        .isInstanceOf(WriteFence.FencedOffException.class);
                assertThatThrownBy(() -> AtomicFiles.writeFolder(folder, d -> Files.writeString(d.resolve("weights"),
                        "stale"))).isInstanceOf(WriteFence.FencedOffException.class);
                assertThatThrownBy(() -> AtomicFiles.deleteTree(folder)).isInstanceOf(WriteFence.FencedOffException.class);
                Thread child = new Thread(() -> assertThatThrownBy(() -> AtomicFiles.write(tmp.resolve("child.txt"),
                        new byte[1])).isInstanceOf(WriteFence.FencedOffException.class));
                child.start();
                child.join();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(tmp.resolve("before.txt")).hasContent("written");
        assertThat(kept).hasContent("the new attempt's");
        assertThat(folder.resolve("weights")).hasContent("the new attempt's");
        assertThat(tmp.resolve("child.txt")).doesNotExist();
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary file left")
                    .containsExactlyInAnyOrder("before.txt", "model.txt", "checkpoint");
        }
        // outside the partition nothing is asked
        givenUp.set(true);
        AtomicFiles.write(kept, "a local job's".getBytes(StandardCharsets.UTF_8));
        assertThat(kept).hasContent("a local job's");
    }
}
