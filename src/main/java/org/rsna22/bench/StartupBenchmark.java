package org.rsna22.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.io.AtomicFiles;

/**
 * How long a command-line user waits for what is not the job: {@code status}, and a {@code run prepare} on two tiny
 * studies split into start-up (command typed → the "running prepare:" line: JVM, Spring context, web server with
 * its progress endpoint, job repository), the job (→ "prepare COMPLETED") and shut-down (→ the process has exited).
 * Each way of starting the application (the {@code ./rsna22} launcher, plain {@code java -jar}) is run once
 * unmeasured (page cache, the launcher's class-data archive), then {@code runs} times; medians are printed.
 */
public final class StartupBenchmark {

    /** What to start: a label and the command line that precedes the application's own arguments. */
    public record Launch(String label, List<String> command) {
    }

    private record Timing(double whole, double startup, double job, double shutdown) {
    }

    private static final String JOB = "prepare";

    private final Path dir;
    private final int runs;
    private final PrintWriter out;

    public StartupBenchmark(Path dir, int runs, PrintWriter out) {
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be at least 1, not " + runs);
        }
        this.dir = dir.toAbsolutePath();
        this.runs = runs;
        this.out = out;
    }

    public void run(List<Launch> launches) throws IOException, InterruptedException {
        if (launches.isEmpty()) {
            throw new IllegalStateException("nothing to start: neither the launcher nor the jar was found "
                    + "(build with ./mvnw package -DskipTests, run from the project folder)");
        }
        Path data = dir.resolve("data");
        if (!Files.isRegularFile(data.resolve("train.csv"))) {
            new DemoDatasetGenerator(new DemoDatasetGenerator.Options(2, 32, 1, 16, 1, false)).generate(data, null);
        }
        out.printf(Locale.ROOT, "status, and run %s on 2 studies of 32 px (config=demo, fresh work and job database each "
                + "time); median of %d runs after one unmeasured%n", JOB, runs);
        out.printf(Locale.ROOT, "  %-34s %8s %10s %9s %9s %10s%n", "", "status", "run whole", "start-up", "job",
                "shut-down");
        out.flush();
        for (Launch launch : launches) {
            double[] status = new double[runs];
            Timing[] timings = new Timing[runs];
            for (int i = -1; i < runs; i++) {
                Timing t = runJob(launch, i);
                double s = status(launch, i);
                if (i >= 0) {
                    timings[i] = t;
                    status[i] = s;
                }
            }
            out.printf(Locale.ROOT, "  %-34s %7.2fs %9.2fs %8.2fs %8.2fs %9.2fs%n", launch.label(),
                    Throughput.median(status), median(timings, Timing::whole), median(timings, Timing::startup),
                    median(timings, Timing::job), median(timings, Timing::shutdown));
            out.flush();
        }
        out.println("start-up + shut-down is what a job costs beyond its own work (target: under 3 s; status under 2 s)");
        out.flush();
    }

    private Timing runJob(Launch launch, int run) throws IOException, InterruptedException {
        Path work = dir.resolve("work");
        Path db = dir.resolve("db");
        AtomicFiles.deleteTree(work);
        AtomicFiles.deleteTree(db);
        List<String> command = new ArrayList<>(launch.command());
        command.addAll(List.of("run", JOB, "data=" + dir.resolve("data"), "work=" + work, "config=demo",
                "--rsna22.db-dir=" + db));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        double running = Double.NaN;
        double completed = Double.NaN;
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                double at = (System.nanoTime() - t0) / 1e9;
                lines.add(line);
                if (Double.isNaN(running) && line.startsWith("running " + JOB + ":")) {
                    running = at;
                } else if (line.startsWith(JOB + " COMPLETED")) {
                    completed = at;
                }
            }
        }
        int rc = waitFor(p, command);
        double whole = (System.nanoTime() - t0) / 1e9;
        if (rc != 0 || Double.isNaN(running) || Double.isNaN(completed)) {
            throw new IllegalStateException("run " + JOB + " (" + launch.label() + ", run " + (run + 2) + ") exited " + rc
                    + " without the lines this benchmark times; its output:\n" + String.join("\n", lines));
        }
        return new Timing(whole, running, completed - running, whole - completed);
    }

    private double status(Launch launch, int run) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(launch.command());
        command.addAll(List.of("status", "--rsna22.db-dir=" + dir.resolve("db")));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        int rc = waitFor(p, command);
        if (rc != 0) {
            throw new IllegalStateException("status (" + launch.label() + ", run " + (run + 2) + ") exited " + rc + ":\n"
                    + new String(output, StandardCharsets.UTF_8));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static int waitFor(Process p, List<String> command) throws InterruptedException {
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("no exit after 300 s: " + String.join(" ", command));
        }
        return p.exitValue();
    }

    private static double median(Timing[] timings, ToDoubleFunction<Timing> f) {
        return Throughput.median(Arrays.stream(timings).mapToDouble(f).toArray());
    }
}
