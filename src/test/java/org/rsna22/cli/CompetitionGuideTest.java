package org.rsna22.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.model.TorchScriptBackbone;
import org.rsna22.testsupport.ExternalTools;
import picocli.CommandLine;

/**
 * The page "On the competition data" (docs/competition-data.md, linked from the README), run as a user runs it, in
 * its order, on a small generated dataset
 * zipped the way Kaggle ships the competition's: every shell and rsna22 command of the page's code blocks, with
 * {@code /data} moved to a temporary folder, {@code config=default} replaced by a tiny config and the job
 * repository kept in that folder. One training run is made to fail (its run folder is taken by a file), so that the
 * page's way of finding and restarting a failed fold is run too. Not run here: the Kaggle download (an account and
 * the internet), the CUDA build (2.4 GB of natives; {@code CudaProfileTest} checks the profile) and the commands of
 * several machines, which are parsed and checked against the command line here and run by
 * {@code RemotePartitioningIT}. A command added to the page that this test does not know fails it.
 */
class CompetitionGuideTest {

    static final Path PAGE = Path.of("docs/competition-data.md");
    static final String SECTION = "# On the competition data";
    static final String CONFIG = Path.of("src/test/resources/guide-test.yaml").toAbsolutePath().toString();
    static final String ZIP = "rsna-2022-cervical-spine-fracture-detection.zip";

    static final String EXPORT = "python3 bench/export_backbone.py ";

    /** The page's text (docs/competition-data.md, which the README links). */
    static String page() throws IOException {
        String page = Files.readString(PAGE);
        assertThat(page).as(PAGE + " is the page '" + SECTION + "'").startsWith(SECTION + "\n");
        return page;
    }

    /**
     * "Pretrained backbones": the export commands run with Debian's python3-torch and torchvision, with random
     * weights (nothing can be downloaded here) and, without timm, torchvision's resnet18 for the timm names; the
     * page's YAML, with its paths moved to those files, loads as a config whose backbone files both jobs accept.
     */
    @Test
    void thePretrainedBackbonesPartExportsFilesThatItsConfigTakes(@TempDir Path tmp) throws Exception {
        ExternalTools.requirePythonModule("torchvision", "python3-torchvision");
        boolean timm = ExternalTools.run(List.of(ExternalTools.PYTHON, "-c", "import timm"), tmp).exit() == 0;
        List<String> exports = commands().stream().filter(c -> c.startsWith(EXPORT)).toList();
        assertThat(exports).as("the page's export commands").hasSize(2);
        for (String command : exports) {
            List<String> args = new ArrayList<>(List.of(ExternalTools.PYTHON,
                    Path.of("bench/export_backbone.py").toAbsolutePath().toString()));
            List<String> given = List.of(command.substring(EXPORT.length()).replace("/data", tmp.toString()).split(" "));
            for (int i = 0; i < given.size(); i++) {
                args.add(!timm && i > 0 && given.get(i - 1).equals("--arch") ? "resnet18" : given.get(i));
            }
            Files.createDirectories(tmp.resolve("backbones"));
            args.addAll(List.of("--no-weights", "--size", "64"));
            assertThat(ExternalTools.runOk(args, tmp)).as(command).contains("features per image");
        }
        String page = page();
        int yaml = page.indexOf("```yaml\n");
        assertThat(yaml).as("the page's experiment file").isPositive();
        String text = page.substring(yaml + 8, page.indexOf("```", yaml + 8)).replace("/data", tmp.toString());
        Path file = Files.writeString(tmp.resolve("pretrained.yaml"), text);
        ExperimentConfig c = ConfigLoader.load(file.toString());
        assertThat(c.bbox().backbone()).isEqualTo("torchscript");
        assertThat(c.fracture().torchScript()).isTrue();
        TorchScriptBackbone.checkConfigured(c, true, true);
    }

    /** The page's commands: each code block's lines, continuations joined, comments and blank lines dropped. */
    static List<String> commands() throws IOException {
        String page = page();
        List<String> out = new ArrayList<>();
        boolean inBash = false;
        StringBuilder line = new StringBuilder();
        for (String raw : page.split("\n")) {
            if (raw.startsWith("```")) {
                inBash = !inBash && raw.equals("```bash");
                continue;
            }
            if (!inBash) {
                continue;
            }
            String l = raw.replaceAll("\\s+#.*$", "").strip();
            if (l.startsWith("#")) {
                l = "";
            }
            if (l.endsWith("\\")) {
                line.append(l, 0, l.length() - 1).append(' ');
                continue;
            }
            line.append(l);
            if (!line.toString().isBlank()) {
                out.add(line.toString().strip().replaceAll("\\s+", " "));
            }
            line.setLength(0);
        }
        return out;
    }

    @Test
    void everyCommandOfThePageRunsOnAZippedGeneratedDataset(@TempDir Path tmp) throws Exception {
        ExternalTools.requireCommand("unzip", "unzip");
        String testStudy = kaggleDownload(tmp);
        List<String> commands = commands();
        assertThat(commands).as("the page's commands").isNotEmpty();
        Path work = tmp.resolve("work");
        Path blocker = work.resolve("runs/guide-test/fold1");
        List<String> ran = new ArrayList<>();
        for (String command : commands) {
            String c = command.replace("/data", tmp.toString()).replace("config=default", "config=" + CONFIG);
            if (c.startsWith("kaggle competitions download -c rsna-2022-cervical-spine-fracture-detection")) {
                assertThat(tmp.resolve(ZIP)).as("what the download leaves").exists();
                continue;
            }
            if (c.startsWith("./mvnw") && c.contains("-Pcuda")) {
                continue; // CudaProfileTest
            }
            if (c.startsWith(EXPORT)) {
                continue; // thePretrainedBackbonesPartExportsFilesThatItsConfigTakes
            }
            if (!c.startsWith("java -jar target/rsna22.jar ")) {
                ExternalTools.Result r = ExternalTools.run(List.of("bash", "-c", "set -e; " + c), tmp);
                assertThat(r.exit()).as(command + "\n" + r.stderr()).isZero();
                ran.add(command);
                continue;
            }
            List<String> args = arguments(c.substring("java -jar target/rsna22.jar ".length()));
            String sub = args.get(0);
            if (sub.equals("worker") || args.contains("--rsna22.remote=true")) {
                // several machines: a valid command line here; RemotePartitioningIT runs workers and managers
                CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new));
                assertThat(parsed.hasSubcommand()).as(command).isTrue();
                continue;
            }
            if (List.of("run", "restart", "status").contains(sub)) {
                args.add("--rsna22.db-dir=" + tmp.resolve("db"));
                args.add("--no-web");
            }
            String what = sub + (args.size() > 1 ? " " + args.get(1) : "");
            int expected = 0;
            if (what.equals("run pipeline")) {
                // a training run that cannot write its folder fails, the others complete
                Files.createDirectories(blocker.getParent());
                Files.writeString(blocker, "in the way");
                expected = 1;
            } else if (what.equals("restart pipeline")) {
                Files.delete(blocker);
            }
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                    .execute(args.toArray(String[]::new));
            assertThat(exit).as(command + "\n" + out + err).isEqualTo(expected);
            if (what.equals("status pipeline")) {
                assertThat(out.toString()).as("status names the failed run and why")
                        .containsPattern("reason: train-bbox: fold1-seed0: .*fold1");
            }
            ran.add(command);
        }
        assertThat(ran).as("commands run").anyMatch(c -> c.startsWith("unzip"))
                .anyMatch(c -> c.contains(" inspect ")).anyMatch(c -> c.contains(" run prepare "))
                .anyMatch(c -> c.contains(" run pipeline ")).anyMatch(c -> c.contains(" status pipeline"))
                .anyMatch(c -> c.contains(" restart pipeline"));

        // the failed run was trained again on restart; the test set got its submission
        assertThat(work.resolve("runs/guide-test/fold1/seed0/model")).isDirectory();
        List<String> submission = Files.readAllLines(work.resolve("submission.csv"));
        assertThat(submission).hasSize(1 + 8 * 2);
        assertThat(submission.get(0)).isEqualTo("row_id,fractured");
        assertThat(Files.readString(tmp.resolve("rsna-test/test.csv"))).contains(testStudy);
    }

    /**
     * What the Kaggle download leaves in a folder: the competition's zip of train.csv, train_bounding_boxes.csv,
     * train_images/, segmentations/, test_images/ (with test.csv) and sample_submission.csv; here of 6 generated
     * training studies and 2 test studies. Returns a test study's UID.
     */
    private static String kaggleDownload(Path tmp) throws IOException {
        Path kaggle = tmp.resolve("kaggle");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(6, 32, 11, 24, 2, true)).generate(kaggle, null);
        Path test = tmp.resolve("kaggle-test");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(2, 32, 1011, 24, 2, false)).generate(test, null);
        DemoDatasetGenerator.toTestSet(test, tmp.resolve("test-labels.csv"));
        Files.move(test.resolve("test_images"), kaggle.resolve("test_images"));
        List<String> uids = new ArrayList<>();
        try (Stream<Path> s = Files.list(kaggle.resolve("test_images"))) {
            s.map(p -> p.getFileName().toString()).sorted().forEach(uids::add);
        }
        StringBuilder testCsv = new StringBuilder("row_id,StudyInstanceUID,prediction_type\n");
        StringBuilder sample = new StringBuilder("row_id,fractured\n");
        for (String uid : uids) {
            for (String label : List.of("C1", "C2", "C3", "C4", "C5", "C6", "C7", "patient_overall")) {
                testCsv.append(uid).append('_').append(label).append(',').append(uid).append(',').append(label).append('\n');
                sample.append(uid).append('_').append(label).append(",0.5\n");
            }
        }
        Files.writeString(kaggle.resolve("test.csv"), testCsv);
        Files.writeString(kaggle.resolve("sample_submission.csv"), sample);
        TestFilesZip.zip(kaggle, tmp.resolve(ZIP));
        return uids.get(0);
    }

    /** Splits a command's arguments at spaces, expanding a {@code *} in a path's last part as a shell would. */
    private static List<String> arguments(String line) throws IOException {
        List<String> out = new ArrayList<>();
        for (String a : line.split(" ")) {
            if (a.contains("*")) {
                Path p = Path.of(a);
                List<Path> matches = new ArrayList<>();
                glob(p.getRoot(), p, 0, matches);
                assertThat(matches).as(a + " matches files").isNotEmpty();
                matches.stream().map(Path::toString).sorted().forEach(out::add);
            } else {
                out.add(a);
            }
        }
        return out;
    }

    private static void glob(Path at, Path pattern, int i, List<Path> out) throws IOException {
        if (i == pattern.getNameCount()) {
            out.add(at);
            return;
        }
        String part = pattern.getName(i).toString();
        if (!part.contains("*")) {
            Path next = at.resolve(part);
            if (Files.exists(next)) {
                glob(next, pattern, i + 1, out);
            }
            return;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(at, part)) {
            for (Path p : s) {
                glob(p, pattern, i + 1, out);
            }
        }
    }

    /** A zip of a folder's files (the folder's own name not included), as Kaggle's downloads are. */
    static final class TestFilesZip {
        static void zip(Path folder, Path zip) throws IOException {
            try (OutputStream o = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(o);
                 Stream<Path> files = Files.walk(folder)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    z.putNextEntry(new ZipEntry(folder.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, z);
                    z.closeEntry();
                }
            }
        }
    }
}
