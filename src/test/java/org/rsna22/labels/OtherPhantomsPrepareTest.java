package org.rsna22.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.batch.JobRunner;
import org.rsna22.testsupport.ExternalTools;
import org.rsna22.testsupport.JobTestSupport;
import org.rsna22.testsupport.PrepareJobTestSupport;
import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The prepare job on phantoms that our code did not write: bench/other_phantoms.py draws them with numpy and
 * writes them with pydicom (implicit and explicit VR, pydicom's RLE encoder, 12- and 13-bit unsigned storage with
 * two intercepts, z either way, a non-square image) and nibabel; the reference boxes come from the original's
 * flips applied by nibabel and pydicom alone (src/test/python/competition_boxes.py).
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:other-phantoms;DB_CLOSE_DELAY=-1")
class OtherPhantomsPrepareTest {

    @Autowired
    JobRunner runner;

    @Test
    void boxLabelsOfThirdPartyPhantomsEqualTheOriginalRecipesBoxes(@TempDir Path tmp) throws Exception {
        ExternalTools.requirePythonModule("pydicom", "python3-pydicom");
        ExternalTools.requirePythonModule("nibabel", "python3-nibabel");
        Path data = tmp.resolve("data");
        ExternalTools.Result made = ExternalTools.run(List.of(ExternalTools.PYTHON,
                Path.of("bench/other_phantoms.py").toAbsolutePath().toString(), "--out", data.toString(),
                "--studies", "4", "--size", "48", "--seed", "3"), tmp);
        assertThat(made.exit()).as(made.stderr()).isZero();
        ExternalTools.Result boxes = ExternalTools.run(List.of(ExternalTools.PYTHON,
                Path.of("src/test/python/competition_boxes.py").toAbsolutePath().toString(), data.toString()), tmp);
        assertThat(boxes.exit()).as(boxes.stderr()).isZero();

        Path work = tmp.resolve("work");
        String config = Path.of("src/test/resources/prepare-test.yaml").toAbsolutePath().toString();
        assertThat(JobTestSupport.run(runner, "prepare", data, work, config).getStatus())
                .isEqualTo(BatchStatus.COMPLETED);

        assertThat(Files.readAllLines(work.resolve("skipped.csv"))).hasSize(1);
        List<String> expected = boxes.stdout().lines().sorted().toList();
        List<String> rows = PrepareJobTestSupport.gunzip(work.resolve("train_bbox_v01.csv.gz"));
        List<String> actual = rows.subList(1, rows.size()).stream()
                .map(line -> String.join(",", List.of(line.split(",")).subList(0, 7))).sorted().toList();
        // three studies in four are segmented: studies 0, 1 (z up, z down) and 2 (RLE, non-square)
        assertThat(expected.stream().map(l -> l.substring(0, l.indexOf(','))).distinct()).hasSize(3);
        assertThat(expected.stream().filter(l -> l.endsWith(",1"))).isNotEmpty();
        assertThat(actual).isEqualTo(expected);
    }
}
