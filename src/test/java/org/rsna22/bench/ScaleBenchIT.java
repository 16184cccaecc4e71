package org.rsna22.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.testsupport.JarProcess;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole pipeline at full size (512-pixel JPEG lossless studies of 250-650 slices, default.yaml's image sizes and
 * backbones through config/rehearsal.yaml) as bench scale runs it, at its smallest: 1 and 2 studies and a test study,
 * every stage its own process. About 15 minutes on 2 cores, so only with {@code ./mvnw verify -Pscale}.
 */
class ScaleBenchIT {

    @Test
    void everyStageRunsAtFullSizeAndReportsItsTimeMemoryAndDisk(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("scale.json");
        Path log = tmp.resolve("scale.log");
        int exit = JarProcess.start(log, "bench", "scale", "--dir", tmp.resolve("bench").toString(), "--studies", "1",
                "--test-studies", "1", "--leak-triplets", "300", "--prepare-studies", "0", "--json", json.toString())
                .waitFor(3600);
        assertThat(exit).as(Files.readString(log)).isZero();
        JsonNode r = JsonMapper.builder().build().readTree(Files.readString(json));
        assertThat(r.get("sizes")).hasSize(2);
        for (JsonNode size : r.get("sizes")) {
            List<String> stages = size.get("stages").valueStream().map(s -> s.get("stage").asString()).toList();
            assertThat(stages).containsExactly("prepare", "train-bbox", "infer-bbox", "train-fracture",
                    "infer-bbox (test)", "infer-fracture (test)");
            for (JsonNode s : size.get("stages")) {
                assertThat(s.get("peakResidentMiB").asLong()).as(s.get("stage").asString()).isPositive();
                // the stage ran with bench scale's fixed heap, and a collection left this much live at the most
                assertThat(s.get("liveHeapMiB").asLong()).as(s.get("stage").asString()).isPositive().isLessThan(3072);
                assertThat(s.get("seconds").asDouble()).isPositive();
            }
            assertThat(size.get("bytesPerStudy").get("crops").asLong()).isPositive();
            assertThat(size.get("bytesPerRun").get("bbox").asLong()).isPositive();
        }
        assertThat(r.get("competition").get("stages").get("infer-bbox").get("hours").asDouble()).isPositive();
        assertThat(r.get("native_memory").get("triplets").asLong()).isGreaterThanOrEqualTo(300);
        assertThat(Files.readString(log)).contains("the competition's data on this machine");
    }
}
