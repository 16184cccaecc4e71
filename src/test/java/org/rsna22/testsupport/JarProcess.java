package org.rsna22.testsupport;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.io.AtomicFiles;
import org.rsna22.ops.NativeAllocator;

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
        return start(Map.of(), log, args);
    }

    /** @param env environment variables beside this process's; {@code LD_PRELOAD=""} runs on glibc's malloc */
    public static JarProcess start(Map<String, String> env, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                // C1 only: these jars live seconds to a minute; C2's compiling costs the 2 cores more than it gives
                "-XX:TieredStopAtLevel=1"));
        cmd.addAll(launch());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        NativeAllocator.preloadJemalloc(pb.environment()); // as the ./rsna22 launcher does
        Process p = pb.start();
        return new JarProcess(p, log);
    }

    private static List<String> launch;

    /**
     * How the jar is started: as the ./rsna22 launcher does (its extracted jar with the class-data archive it
     * records once per build), which saves a second or two of every start, or the plain jar when that fails.
     */
    private static synchronized List<String> launch() throws IOException {
        if (launch == null) {
            Path launcher = Path.of("rsna22").toAbsolutePath();
            Path dir = jar().toAbsolutePath().getParent().resolve("launcher");
            Path archive = dir.resolve("rsna22.jsa");
            if (Files.isExecutable(launcher) && jar().toAbsolutePath().equals(Path.of("target", "rsna22.jar").toAbsolutePath())) {
                try (FileChannel lock = FileChannel.open(jar().toAbsolutePath().getParent().resolve(".launcher.lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock held = lock.lock()) {
                    Process p = new ProcessBuilder("bash", launcher.toString(), "--version").redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    p.waitFor(180, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            launch = Files.isRegularFile(archive) && Files.isRegularFile(dir.resolve("rsna22.jar"))
                    && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar())) >= 0
                    ? List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-jar", dir.resolve("rsna22.jar").toString())
                    : List.of("-jar", jar().toString());
        }
        return launch;
    }

    /** Runs to the end and returns the exit code. */
    public static int run(Path log, String... args) throws IOException, InterruptedException {
        JarProcess p = start(log, args);
        return p.waitFor(300);
    }

    /**
     * A generated dataset for the jar tests, made once per size in target/it-datasets and shared by every test
     * that asks for the same one (generated in this JVM: a jar start per test costs seconds). Tests only read it.
     */
    public static synchronized Path generateDemo(int studies, int size, int slices) throws IOException {
        Path data = Path.of("target", "it-datasets", studies + "-" + size + "-" + slices).toAbsolutePath();
        Files.createDirectories(data.getParent());
        // jar tests run in two JVMs at once: one generates, the other waits for it
        try (FileChannel lock = FileChannel.open(data.getParent().resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = lock.lock()) {
            if (!Files.isRegularFile(data.resolve("train.csv"))) {
                AtomicFiles.deleteTree(data);
                new DemoDatasetGenerator(new DemoDatasetGenerator.Options(studies, size, 22, slices, 2)).generate(data, null);
            }
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
