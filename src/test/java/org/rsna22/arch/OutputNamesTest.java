package org.rsna22.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The work folder's file names are spelled in WorkLayout only, so that one class owns them (CompetitionLayout owns
 * the dataset's, which may hold a train_folded_v01.csv of its own).
 */
class OutputNamesTest {

    private static final Pattern OUTPUT_NAME = Pattern.compile(
            "\"[^\"]*(_v0\\d|skipped\\.csv|metrics\\.csv|config\\.yaml|submission\\.csv|cv_score|\"runs\"|\"parts\"|/crops|\"crops\")[^\"]*\"");

    @Test
    void outputNamesAppearOnlyInWorkLayout() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String name = f.getFileName().toString();
                if (name.equals("WorkLayout.java") || name.equals("CompetitionLayout.java")) {
                    continue;
                }
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (!line.startsWith("*") && !line.startsWith("//") && OUTPUT_NAME.matcher(line).find()) {
                        found.add(f + ":" + (i + 1) + ": " + line);
                    }
                }
            }
        }
        assertThat(found).as("output names outside WorkLayout").isEmpty();
    }
}
