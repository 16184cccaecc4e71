package org.rsna22.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged application run as a separate process, as users run it. */
public final class JarProcess {
    private final Process process;
    private final Path log;

    private JarProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("rsna22.jar", "target/rsna22.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: integration tests run after 'mvn package'");
        }
        return jar;
    }

    public static JarProcess start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-jar",
                jar().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new JarProcess(p, log);
    }

    /** Runs to the end and returns the exit code. */
    public static int run(Path log, String... args) throws IOException, InterruptedException {
        JarProcess p = start(log, args);
        return p.waitFor(300);
    }

    /** {@code generate-demo} into {@code dir/data} by the jar; returns the dataset folder. */
    public static Path generateDemo(Path dir, int studies, int size, int slices) throws IOException, InterruptedException {
        Path data = dir.resolve("data");
        int exit = run(dir.resolve("gen.log"), "generate-demo", "--out", data.toString(), "--studies",
                Integer.toString(studies), "--size", Integer.toString(size), "--slices", Integer.toString(slices));
        if (exit != 0) {
            throw new IllegalStateException("generate-demo exited with " + exit + ": " + dir.resolve("gen.log"));
        }
        return data;
    }

    public int waitFor(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out after " + seconds + " s: " + log);
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM: the JVM runs its shutdown hooks. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL: the JVM gets no chance to clean up. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }
}
