package org.rsna22.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shares of segmented studies and of fractured studies with crack boxes ({@code --seg-fraction}, {@code --box-fraction}). */
class DemoDatasetGeneratorTest {

    @Test
    void theDefaultShareSegmentsEveryStudyButEachFourthAsBefore() {
        for (int i = 0; i < 200; i++) {
            assertThat(DemoDatasetGenerator.chosen(i, 0.75)).as("study " + i).isEqualTo(i % 4 != 3);
            assertThat(DemoDatasetGenerator.chosen(i, 1)).isTrue();
            assertThat(DemoDatasetGenerator.chosen(i, 0)).isFalse();
        }
        // the competition's shares over its 2,019 studies and 961 fractured ones
        assertThat(IntStream.range(0, 2019).filter(i -> DemoDatasetGenerator.chosen(i, 87 / 2019.0)).count())
                .isEqualTo(87);
        assertThat(IntStream.range(0, 961).filter(i -> DemoDatasetGenerator.chosen(i, 235 / 961.0)).count())
                .isEqualTo(235);
        // spread evenly: no run of more than four studies in a row without one at a quarter
        assertThat(IntStream.range(0, 100).filter(i -> DemoDatasetGenerator.chosen(i, 0.25)).toArray())
                .containsExactly(IntStream.range(0, 25).map(k -> 4 * k).toArray());
    }

    @Test
    void scarceLabelsKeepTheImagesAndDropSegmentationsAndCrackBoxes(@TempDir Path tmp) throws Exception {
        Path full = tmp.resolve("full");
        Path scarce = tmp.resolve("scarce");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(16, 16, 7, 8, 2)).generate(full, null);
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(16, 16, 7, 8, 2, 0.25, 0.25, false))
                .generate(scarce, null);
        assertThat(files(full.resolve("segmentations"))).hasSize(12);
        assertThat(files(scarce.resolve("segmentations"))).hasSize(4);
        assertThat(Files.readAllLines(scarce.resolve("train.csv"))).isEqualTo(Files.readAllLines(full.resolve("train.csv")));
        for (String f : List.of("train_images", "demo_truth")) {
            for (Path a : files(full.resolve(f))) {
                assertThat(Files.readAllBytes(scarce.resolve(full.relativize(a)))).as(a.toString())
                        .isEqualTo(Files.readAllBytes(a));
            }
        }
        List<String> boxedFull = boxedStudies(full);
        List<String> boxedScarce = boxedStudies(scarce);
        List<String> fractured = Files.readAllLines(full.resolve("train.csv")).stream().skip(1)
                .filter(r -> r.split(",")[1].equals("1")).map(r -> r.split(",")[0]).toList();
        // at 16 pixels and 8 slices a crack can fall between slices: those studies have no boxes to keep
        assertThat(fractured).containsAll(boxedFull);
        assertThat(boxedFull).hasSizeGreaterThan(3);
        assertThat(boxedScarce).hasSize((boxedFull.size() + 3) / 4);
        assertThat(boxedFull).containsAll(boxedScarce);
        // the rows kept are the full dataset's rows of those studies
        assertThat(Files.readAllLines(full.resolve("train_bounding_boxes.csv")))
                .containsAll(Files.readAllLines(scarce.resolve("train_bounding_boxes.csv")));

        assertThatThrownBy(() -> new DemoDatasetGenerator.Options(4, 16, 7, 8, 1, 1.5, 1, false))
                .hasMessageContaining("between 0 and 1");
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static List<String> boxedStudies(Path dataset) throws Exception {
        return Files.readAllLines(dataset.resolve("train_bounding_boxes.csv")).stream().skip(1)
                .map(r -> r.split(",")[0]).distinct().toList();
    }
}
