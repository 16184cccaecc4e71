package org.rsna22.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ScoreCommandTest {

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    private Result score(String submission, String labels, String... more) throws IOException {
        Path s = tmp.resolve("submission.csv");
        Path l = tmp.resolve("labels.csv");
        Files.writeString(s, submission);
        Files.writeString(l, labels);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        List<String> args = new ArrayList<>(List.of("score", s.toString(), l.toString()));
        args.addAll(List.of(more));
        return new Result(cl.execute(args.toArray(String[]::new)), out.toString(), err.toString());
    }

    static final String LABELS = "StudyInstanceUID,patient_overall,C1,C2,C3,C4,C5,C6,C7\n"
            + "1.2.3,1,1,0,0,0,0,0,0\n"
            + "1.2.4,0,0,0,0,0,0,0,0\n";

    /** Every row of the two studies at p, except the given row ids which take q. */
    static String submission(double p) {
        StringBuilder sb = new StringBuilder("row_id,fractured\n");
        for (String uid : List.of("1.2.3", "1.2.4")) {
            for (String t : List.of("C1", "C2", "C3", "C4", "C5", "C6", "C7", "patient_overall")) {
                sb.append(uid).append('_').append(t).append(',').append(p).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void scoresASubmissionAsTheMetricIsDefined() throws IOException {
        Result r = score(submission(0.5), LABELS, "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JsonMapper.builder().build().readTree(r.out());
        assertThat(o.get("metric").asDouble()).isCloseTo(Math.log(2), within(1e-12));
        assertThat(o.get("studies").asInt()).isEqualTo(2);

        // an independent computation at 0.8: study 1.2.3 (16 · -ln 0.8 + 6 · -ln 0.2) / 22, study 1.2.4 -ln 0.2
        double a = (16 * -Math.log(0.8) + 6 * -Math.log(0.2)) / 22;
        double b = -Math.log(0.2);
        Result r8 = score(submission(0.8), LABELS, "--json");
        assertThat(JsonMapper.builder().build().readTree(r8.out()).get("metric").asDouble())
                .isCloseTo((a + b) / 2, within(1e-9));
        assertThat(score(submission(0.8), LABELS).out()).startsWith("metric 1.105").contains("patient_overall");
    }

    @Test
    void malformedSubmissionsAreRefusedWithOneLineAndExitCodeTwo() throws IOException {
        String good = submission(0.5);
        String[][] cases = {
            {good.replace("1.2.4_C3,0.5\n", ""), "row 1.2.4_C3 is missing"},
            {good + "1.2.3_C1,0.5\n", "row 1.2.3_C1 again (first on line 2)"},
            {good.replace("1.2.3_C2,0.5", "1.2.3_C2,1.5"), "probability 1.5 is outside [0, 1]"},
            {good.replace("1.2.3_C2,0.5", "1.2.3_C2,high"), "'high' is not a probability"},
            // Java's own parser takes these; a probability is a plain decimal number
            {good.replace("1.2.3_C2,0.5", "1.2.3_C2,0.5d"), "'0.5d' is not a probability"},
            {good.replace("1.2.3_C2,0.5", "1.2.3_C2,0.5f"), "'0.5f' is not a probability"},
            {good.replace("1.2.3_C2,0.5", "1.2.3_C2,0x1p-1"), "'0x1p-1' is not a probability"},
            {good.replace("1.2.3_C2,0.5", "1.2.3_C2,NaN"), "'NaN' is not a probability"},
            {good.replace("1.2.3_C2,0.5", "1.2.3_C9,0.5"), "row_id '1.2.3_C9' is not UID_C1"},
            {good.replace("row_id,fractured", "id,p"), "the header must be row_id,fractured"},
            {good + good.substring(good.indexOf('\n') + 1).replace("1.2.3_", "9.9.9_").lines()
                    .filter(l -> l.startsWith("9.9.9")).reduce("", (x, y) -> x + y + "\n"), "study 9.9.9 is not in"},
        };
        for (String[] c : cases) {
            Result r = score(c[0], LABELS);
            assertThat(r.exit()).as(c[1]).isEqualTo(2);
            assertThat(r.err()).as(c[1]).contains(c[1]).startsWith("error: ");
            assertThat(r.err().strip().lines()).as(c[1]).hasSize(1);
        }
        // plain decimals in every form a writer uses are taken: 5e-1, .5, 0.50, 1
        for (String p : new String[] {"5e-1", ".5", "0.50", "5.0E-1"}) {
            assertThat(score(good.replace("1.2.3_C2,0.5", "1.2.3_C2," + p), LABELS).exit()).as(p).isZero();
        }
        Result missingStudy = score(good.lines().filter(l -> !l.startsWith("1.2.4")).reduce("", (x, y) -> x + y + "\n"),
                LABELS);
        assertThat(missingStudy.exit()).isEqualTo(2);
        assertThat(missingStudy.err()).contains("study 1.2.4 of").contains("has no rows");
    }
}
