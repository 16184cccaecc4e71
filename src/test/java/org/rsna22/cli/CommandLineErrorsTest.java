package org.rsna22.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.batch.JobRequest;
import org.rsna22.demo.DemoDatasetGenerator;

/** Every command-line mistake gets one line that names what is wrong and what was expected. */
class CommandLineErrorsTest {

    @TempDir
    static Path tmp;
    static Path data;

    private record Result(int exit, String out, String err) {
    }

    @BeforeAll
    static void dataset() throws IOException {
        data = tmp.resolve("data");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(2, 16, 4, 10, 1)).generate(data, null);
    }

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static String db() {
        return "--rsna22.db-dir=" + tmp.resolve("db");
    }

    @Test
    void everyHelpTextFormats() {
        PrintStream old = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
        try {
            helpOfAll(Main.commandLine());
        } finally {
            System.setErr(old);
        }
        // picocli falls back to the raw text and warns on stderr when a description is not a valid format
        assertThat(warnings.toString(StandardCharsets.UTF_8)).doesNotContain("Could not format");
    }

    private static void helpOfAll(picocli.CommandLine c) {
        assertThat(c.getUsageMessage()).contains("Usage:");
        c.getSubcommands().values().forEach(CommandLineErrorsTest::helpOfAll);
    }

    @Test
    void theDemoRunsTheStudiesItLearnsFromUnlessQuickAndRefusesQuickWithStudies() {
        assertThat(cli("demo", "--help").out()).contains("number of studies (default: 144)").contains("--quick");
        assertThat(cli("generate-demo", "--help").out()).contains("number of studies (default: 16)");
        Result r = cli("demo", "--quick", "--studies", "20", "--out", tmp.resolve("quick-demo").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --quick runs 16 studies: give --quick or --studies, not both\n");
        assertThat(tmp.resolve("quick-demo")).doesNotExist();
    }

    @Test
    void unknownJob() {
        Result r = cli("run", "train-everything", "data=" + data);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: unknown job 'train-everything'; jobs: prepare, train-bbox, infer-bbox, train-fracture, infer-fracture, report, pipeline\n");
        assertThat(cli("restart", "nope").err()).isEqualTo("error: unknown job 'nope'; jobs: prepare, train-bbox, infer-bbox, train-fracture, infer-fracture, report, pipeline\n");
        assertThat(cli("status", "nope").err()).isEqualTo("error: unknown job 'nope'; jobs: prepare, train-bbox, infer-bbox, train-fracture, infer-fracture, report, pipeline\n");
    }

    @Test
    void runHelpNamesEveryJob() {
        String help = cli("run", "--help").out().replaceAll("\\s+", " ");
        for (String job : JobRequest.JOBS) {
            assertThat(help).as(job).containsPattern("[ :,]" + job + "[ ,]");
        }
    }

    @Test
    void anUnknownCommandIsAnErrorEvenWithHelp() {
        Result r = cli("nope", "--help");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: unknown command 'nope'; commands: run, restart, status");
    }

    @Test
    void aTakenWebPortIsNamed() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Result r = cli("run", "prepare", "data=" + data, "work=" + tmp.resolve("work-port"), db(),
                    "--server.port=" + port);
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("port " + port + " is taken by another program; choose another with "
                    + "--server.port=N, or --no-web");
        }
    }

    @Test
    void dataPointingAtAFileSaysSo() throws Exception {
        Path file = data.resolve("train.csv");
        Result r = cli("run", "prepare", "data=" + file);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("is a file; expected the dataset folder");
    }

    @Test
    void unknownParameter() {
        Result r = cli("run", "prepare", "data=" + data, "fold=3");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: unknown parameter 'fold' for job prepare; parameters: data=DIR work=DIR config=NAME\n");
    }

    @Test
    void parameterThatIsNotKeyValue() {
        Result r = cli("run", "prepare", "data=" + data, "verbose");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: 'verbose' is not key=value; parameters: data=DIR work=DIR config=NAME\n");
    }

    @Test
    void missingDataParameter() {
        assertThat(cli("run", "prepare").err())
                .isEqualTo("error: job prepare needs data=DIR (a dataset in the competition layout)\n");
    }

    @Test
    void missingDataFolder() {
        Path nowhere = tmp.resolve("nowhere");
        assertThat(cli("run", "prepare", "data=" + nowhere).err())
                .isEqualTo("error: data folder " + nowhere + " does not exist\n");
    }

    @Test
    void folderNotInTheCompetitionLayout() throws IOException {
        Path other = Files.createDirectories(tmp.resolve("photos"));
        assertThat(cli("run", "prepare", "data=" + other).err()).isEqualTo("error: data folder " + other
                + " is not in the competition layout: missing train.csv train_images/ (expected train.csv, "
                + "train_images/<StudyInstanceUID>/<slice>.dcm and optionally segmentations/<StudyInstanceUID>.nii, "
                + "train_bounding_boxes.csv)\n");
    }

    @Test
    void unknownConfigName() {
        assertThat(cli("run", "prepare", "data=" + data, "config=cfg_missing").err())
                .isEqualTo("error: config 'cfg_missing' not found: looked for config/cfg_missing.yaml and a built-in "
                        + "config of that name (try config=default or config=demo)\n");
    }

    @Test
    void unknownConfigKey() throws IOException {
        Path cfg = tmp.resolve("typo.yaml");
        Files.writeString(cfg, "prepare:\n  foldz: 4\n");
        assertThat(cli("run", "prepare", "data=" + data, "config=" + cfg).err())
                .isEqualTo("error: unknown config key 'prepare.foldz' (not in config/default.yaml)\n");
    }

    @Test
    void workThatIsAFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("work.txt"), "x");
        assertThat(cli("run", "prepare", "data=" + data, "work=" + file).err())
                .isEqualTo("error: work=" + file + " is a file; expected a folder for the outputs\n");
    }

    @Test
    void runningACompletedJobAgainAndRestartingNothing() {
        Path work = tmp.resolve("work-done");
        Result first = cli("run", "prepare", "data=" + data, "work=" + work, "--no-web", db());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).endsWith("prepare COMPLETED; outputs in " + work + "\n");

        Result again = cli("run", "prepare", "data=" + data, "work=" + work, "--no-web", db());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).startsWith("error: job prepare already completed with these parameters (execution ")
                .endsWith("); its outputs are in " + work + ". Use another work= folder to run it again.\n");

        Result restart = cli("restart", "prepare", "--no-web", db());
        assertThat(restart.exit()).isEqualTo(2);
        assertThat(restart.err()).isEqualTo("error: no FAILED or STOPPED execution of prepare to restart (see: status prepare)\n");

        Result status = cli("status", "prepare", db());
        assertThat(status.exit()).isZero();
        assertThat(status.out()).contains("prepare  execution").contains("COMPLETED")
                .contains("sliceMetadata        COMPLETED").contains("partitions 1/1 completed");
    }

    @Test
    void failedJobPrintsItsReasonInTheLastLine() throws IOException {
        Path broken = tmp.resolve("broken");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(1, 16, 8, 10, 1)).generate(broken, null);
        try (var s = Files.list(broken.resolve("train_images"))) {
            Path study = s.findFirst().orElseThrow();
            for (int i = 1; i <= 3; i++) {
                Files.write(study.resolve(i + ".dcm"), new byte[64]);
            }
        }
        Result r = cli("run", "prepare", "data=" + broken, "work=" + tmp.resolve("work-broken"), "--no-web",
                "--rsna22.db-dir=" + tmp.resolve("db-broken"));
        assertThat(r.exit()).isEqualTo(1);
        String last = r.out().lines().reduce((a, b) -> b).orElse("");
        assertThat(last).startsWith("prepare FAILED (execution 1): sliceMetadata skipped 3 of ")
                .endsWith("fix the cause, then: restart prepare");
    }
}
