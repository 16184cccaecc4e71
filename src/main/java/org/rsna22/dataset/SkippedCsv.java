package org.rsna22.dataset;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.rsna22.io.AtomicFiles;

/**
 * skipped.csv of a work folder, shared by the jobs: each job replaces the rows of its own steps with the records of
 * its skip part files and keeps every other job's rows.
 */
public final class SkippedCsv {

    private SkippedCsv() {
    }

    /**
     * Rewrites skipped.csv (atomically): rows of other steps than {@code steps} stay, then the lines of
     * {@code skipParts} in order. Returns the number of rows the parts gave.
     */
    public static int replace(WorkLayout work, Collection<String> steps, List<Path> skipParts) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(SkipRecord.HEADER);
        if (Files.exists(work.skipped())) {
            for (String line : Files.readAllLines(work.skipped(), StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.equals(SkipRecord.HEADER) && !steps.contains(Csv.parse(line).get(0))) {
                    lines.add(line);
                }
            }
        }
        int added = 0;
        for (Path p : skipParts) {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.equals(SkipRecord.HEADER)) {
                    lines.add(line);
                    added++;
                }
            }
        }
        AtomicFiles.write(work.skipped(), (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        return added;
    }
}
