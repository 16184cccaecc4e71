package org.rsna22.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rsna22.dataset.CompetitionMetric;
import org.rsna22.submission.SubmissionScore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/** {@code score SUBMISSION LABELS [--json]}: the competition metric of a submission file. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"The competition metric (weighted log loss, SPEC §2) of SUBMISSION (row_id,fractured; 8 rows per "
                + "study) against LABELS (train.csv's columns), overall and per label.",
            "A malformed file (a missing or repeated row, a probability outside [0, 1], a study in one file only) "
                + "is refused with a one-line reason and exit code 2."})
final class ScoreCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Parameters(index = "0", paramLabel = "SUBMISSION", description = "the submission file: row_id,fractured")
    Path submission;

    @Parameters(index = "1", paramLabel = "LABELS", description = "labels in train.csv's layout")
    Path labels;

    @Option(names = "--json", description = "one JSON object: metric, studies, per_label")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        for (Path p : new Path[] {submission, labels}) {
            if (!Files.isRegularFile(p)) {
                return usage(p + " does not exist or is not a file");
            }
        }
        CompetitionMetric.Score s;
        try {
            s = SubmissionScore.score(submission, labels);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("metric", s.overall());
            o.put("studies", s.studies());
            o.put("per_label", s.perLabel());
            out.println(JSON.writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "metric %.6f over %d studies%n", s.overall(), s.studies());
            s.perLabel().forEach((k, v) -> out.printf(Locale.ROOT, "  %-16s %.6f%n", k, v));
        }
        out.flush();
        return 0;
    }

    private int usage(String message) {
        spec.commandLine().getErr().println("error: " + message);
        spec.commandLine().getErr().flush();
        return JobLauncherSupport.USAGE;
    }
}
