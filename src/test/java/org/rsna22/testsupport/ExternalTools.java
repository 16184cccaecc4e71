package org.rsna22.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Third-party tools (dcmtk, GDCM, Debian's python3 with pydicom and nibabel) that make reference data.
 * They are installed by .ci/run, so a missing tool fails the test; a developer without them may run
 * {@code mvn test -Drsna22.allowSkip=true} to skip those tests instead.
 */
public final class ExternalTools {
    /** Debian's python, which has python3-pydicom and python3-nibabel (not a pyenv shim). */
    public static final String PYTHON = "/usr/bin/python3";
    public static final Path PYDICOM_TEST_FILES = Path.of("/usr/lib/python3/dist-packages/pydicom/data/test_files");
    public static final Path NIBABEL_TEST_DATA = Path.of("/usr/lib/python3/dist-packages/nibabel/tests/data");

    private ExternalTools() {
    }

    /** Fails (or, with -Drsna22.allowSkip=true, skips) unless the path exists. */
    public static void require(Path path, String debianPackage) {
        if (!Files.exists(path)) {
            missing(path + " (Debian package " + debianPackage + ")");
        }
    }

    /** Fails (or skips) unless the command is on the PATH. */
    public static void requireCommand(String command, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return;
            }
        }
        missing("command " + command + " (Debian package " + debianPackage + ")");
    }

    /** Fails (or skips) unless Debian's python3 can import the module. */
    public static void requirePythonModule(String module, String debianPackage) {
        try {
            Result r = run(List.of(PYTHON, "-c", "import " + module), Path.of("."));
            if (r.exit() == 0) {
                return;
            }
        } catch (IOException e) {
            // fall through
        }
        missing("python module " + module + " for " + PYTHON + " (Debian package " + debianPackage + ")");
    }

    /** Fails (or, with -Drsna22.allowSkip=true, skips) because a local service is not reachable. */
    public static void requireService(String what) {
        missing(what);
    }

    private static void missing(String what) {
        String msg = "missing " + what + ": run .ci/run, or install it with apt-get";
        if (Boolean.getBoolean("rsna22.allowSkip")) {
            Assumptions.abort(msg);
        }
        fail(msg + " (or pass -Drsna22.allowSkip=true to skip)");
    }

    /** Output of a finished command. */
    public record Result(int exit, String stdout, String stderr) {
    }

    public static Result run(List<String> command, Path workDir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(workDir.toFile());
        Path out = Files.createTempFile("rsna22-tool", ".out");
        Path err = Files.createTempFile("rsna22-tool", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs a command and fails the test with its output when it does not exit 0. */
    public static String runOk(List<String> command, Path workDir) throws IOException {
        Result r = run(command, workDir);
        if (r.exit() != 0) {
            fail("command failed (" + r.exit() + "): " + String.join(" ", command) + "\n" + r.stdout() + r.stderr());
        }
        return r.stdout();
    }
}
