package org.rsna22.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.testsupport.ExternalTools;
import picocli.CommandLine;

/**
 * Every rsna22 command the README shows in a code block is a valid command line, and those that can run here on
 * small inputs run as written: {@code run prepare} (its data folder a generated dataset), {@code inspect} (on
 * pydicom's CT_small.dcm, printing what the README shows). The others are run elsewhere: {@code demo} by the
 * README's first command (and every CI run's newcomer check), the worker and manager lines by
 * {@code RemotePartitioningIT}; the page for the competition data by {@code CompetitionGuideTest}. A command added to
 * the README that this test does not know fails it.
 */
class ReadmeCommandsTest {

    static final String JAR = "java -jar target/rsna22.jar ";

    /** The README's rsna22 command lines: code-block lines (and {@code $ } lines), continuations joined, comments cut. */
    static List<String> commands() throws IOException {
        List<String> out = new ArrayList<>();
        boolean inBlock = false;
        StringBuilder line = new StringBuilder();
        for (String raw : Files.readString(Path.of("README.md")).split("\n")) {
            if (raw.startsWith("```")) {
                inBlock = !inBlock;
                continue;
            }
            if (!inBlock) {
                continue;
            }
            String l = raw.replaceAll("\\s+#.*$", "").strip().replaceFirst("^\\$ ", "");
            if (l.endsWith("\\")) {
                line.append(l, 0, l.length() - 1).append(' ');
                continue;
            }
            line.append(l);
            String command = line.toString().strip().replaceAll("\\s+", " ").replaceFirst("\\s*&$", "");
            line.setLength(0);
            int at = command.indexOf(JAR);
            if (at >= 0) {
                out.add(command.substring(at + JAR.length()));
            }
        }
        return out;
    }

    @Test
    void everyCommandParsesAndThoseThatCanRunHereRunAsWritten(@TempDir Path tmp) throws Exception {
        ExternalTools.requirePythonModule("pydicom", "python3-pydicom");
        List<String> commands = commands();
        assertThat(commands).as("the README's commands").hasSizeGreaterThanOrEqualTo(6);
        List<String> ran = new ArrayList<>();
        for (String command : commands) {
            List<String> args = List.of(command.split(" "));
            CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new));
            assertThat(parsed.hasSubcommand()).as(command).isTrue();
            String sub = args.get(0);
            if (sub.equals("demo") || sub.equals("worker") || args.contains("--rsna22.remote=true")
                    || args.contains("--spring.profiles.active=postgres")) {
                continue; // run as the class comment says
            }
            if (command.startsWith("run prepare ")) {
                Path data = tmp.resolve("rsna-2022");
                new DemoDatasetGenerator(new DemoDatasetGenerator.Options(2, 32, 3, 16, 2, true)).generate(data, null);
                List<String> run = new ArrayList<>();
                for (String a : args) {
                    run.add(a.replace("/kaggle/rsna-2022", data.toString()).replace("work=data/work",
                            "work=" + tmp.resolve("work")));
                }
                run.addAll(List.of("--rsna22.db-dir=" + tmp.resolve("db"), "--no-web"));
                assertThat(execute(run).exit()).as(command).isZero();
                assertThat(tmp.resolve("work/slice_meta_v01.csv.gz")).exists();
            } else if (command.startsWith("inspect --json CT_small.dcm")) {
                Path ct = ExternalTools.PYDICOM_TEST_FILES.resolve("CT_small.dcm");
                Run r = execute(List.of("inspect", "--json", ct.toString()));
                assertThat(r.exit()).isZero();
                String shown = shownOutput(command);
                for (String part : shown.replace("CT_small.dcm", ct.toString()).split("\\.\\.\\.")) {
                    assertThat(r.out()).as("what the README shows of inspect").contains(part.replace("\"\"", ""));
                }
            } else {
                throw new AssertionError("a README command this test does not know: " + command);
            }
            ran.add(command);
        }
        assertThat(ran).anyMatch(c -> c.startsWith("run prepare")).anyMatch(c -> c.startsWith("inspect"));
    }

    /** The line the README shows after a {@code $ } command. */
    private static String shownOutput(String command) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).equals("$ " + JAR + command)) {
                return lines.get(i + 1);
            }
        }
        throw new AssertionError("no output shown after " + command);
    }

    private record Run(int exit, String out) {
    }

    private static Run execute(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(args.toArray(String[]::new));
        return new Run(exit, out + err.toString());
    }
}
