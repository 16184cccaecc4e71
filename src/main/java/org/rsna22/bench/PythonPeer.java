package org.rsna22.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a Python peer of a benchmark (a script under bench/ with Debian's /usr/bin/python3) and copies what it
 * prints; the child inherits the environment, so both sides use the same allocator (LD_PRELOAD).
 */
final class PythonPeer {

    static final Path PYTHON = Path.of("/usr/bin/python3");

    private PythonPeer() {
    }

    /** Runs the script when it and python3 exist; returns false (after saying why) when they do not. */
    static boolean run(Path script, List<String> args, PrintWriter out) throws IOException, InterruptedException {
        if (!Files.isRegularFile(script) || !Files.isExecutable(PYTHON)) {
            out.printf("pytorch peer skipped: %s or %s missing (run from the project folder with python3-torch)%n",
                    script, PYTHON);
            out.flush();
            return false;
        }
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        out.print(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        out.flush();
        return p.waitFor() == 0;
    }
}
