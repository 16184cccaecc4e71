package org.rsna22.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.rsna22.batch.JobOwnerListener;
import org.rsna22.batch.JobRequest;
import org.rsna22.batch.JobRunner;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.io.AtomicFiles;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * infer-bbox over remote partitioning: this process is the manager (PostgreSQL job repository, RabbitMQ), the
 * workers are JVMs of the same jar limited to one compute thread each. Prints slices/s with 1 and 2 workers and
 * the manager's overhead per partition: the step's wall time beyond its busiest worker's partition time, per
 * partition, and the hand-off gap between one partition's end and the next one's start on a worker. On a shared
 * 2-core machine one pair of runs can be 30 % off either way, so the bench repeats rounds (fresh workers, a warm-up,
 * 2 workers, then 1) and prints every round and the median.
 */
public final class RemoteBenchmark {

    /** What to measure on: a generated dataset in dir, the repository's database, Spring options for the broker. */
    public record Options(Path dir, int studies, int size, int slices, String dbUrl, List<String> springArgs, int rounds) {
        public Options {
            if (rounds < 1 || studies < 1) {
                throw new IllegalArgumentException("--rounds and --studies must be at least 1");
            }
        }
    }

    /** Starts the application (without a web server) with the given arguments. */
    public interface Application {
        ConfigurableApplicationContext start(String[] args);
    }

    private static final String CONFIG = """
            # bench remote: a small box localiser (one epoch: the bench measures inference), partitions of 4 studies
            prepare:
              studies_per_partition: 4
              folds: 2
            bbox:
              backbone: resnet
              width: 16
              image_size: 96
              epochs: 1
              batch_size: 32
              folds: [0, 1]
              seeds: [0]
            infer_bbox:
              studies_per_partition: 4
            """;

    private static final int CPUS = Runtime.getRuntime().availableProcessors();
    private static final Optional<Path> TASKSET = Stream.of("/usr/bin/taskset", "/bin/taskset").map(Path::of)
            .filter(Files::isExecutable).findFirst();

    private final Options o;
    private final PrintWriter out;
    private final String queue = "rsna22.bench." + ProcessHandle.current().pid();
    private final List<Process> workers = new ArrayList<>();

    private final Application application;

    public RemoteBenchmark(Options options, Application application, PrintWriter out) {
        this.o = options;
        this.application = application;
        this.out = out;
    }

    public void run() throws Exception {
        String jar = ChildJvm.ownJar("bench remote");
        Path data = o.dir().resolve("data");
        if (!Files.isRegularFile(data.resolve("train.csv"))) {
            out.printf("generating %d studies of %d slices (%d px) in %s%n", o.studies(), o.slices(), o.size(), data);
            out.flush();
            new DemoDatasetGenerator(new DemoDatasetGenerator.Options(o.studies(), o.size(), 1, o.slices(), 2, false))
                    .generate(data, null);
        }
        long slices;
        try (Stream<Path> s = Files.walk(data.resolve("train_images"))) {
            slices = s.filter(Files::isRegularFile).count();
        }
        Path config = o.dir().resolve("bench-remote.yaml");
        Files.writeString(config, CONFIG);
        createDatabase(o.dbUrl());
        Path runDir = o.dir().resolve("run-" + System.currentTimeMillis());
        Files.createDirectories(runDir.resolve("logs"));

        List<String> props = new ArrayList<>(List.of("--spring.profiles.active=postgres", "--rsna22.db.url=" + o.dbUrl(),
                "--rsna22.remote-queue=" + queue));
        props.addAll(o.springArgs());
        List<String> manager = new ArrayList<>(props);
        manager.add("--rsna22.remote=true");
        try (ConfigurableApplicationContext ctx = application.start(manager.toArray(String[]::new))) {
            JobRunner runner = ctx.getBean(JobRunner.class);
            JobRepository repository = ctx.getBean(JobRepository.class);
            Path base = runDir.resolve("work-base");
            List<Result> ones = new ArrayList<>();
            List<Result> twos = new ArrayList<>();
            for (int round = 1; round <= o.rounds(); round++) {
                // fresh workers every round, warmed up by one unmeasured infer-bbox; then 2 workers, then 1
                for (int i = 1; i <= 2; i++) {
                    workers.add(startWorker(jar, props, runDir.resolve("logs/round" + round + "-worker-" + i + ".log"),
                            i - 1));
                }
                awaitReady(runDir.resolve("logs"), "round" + round);
                if (round == 1) {
                    out.println("prepare and train-bbox (1 epoch) on 2 workers...");
                    out.flush();
                    run(runner, "prepare", data, base, config);
                    run(runner, "train-bbox", data, base, config);
                }
                out.printf("round %d of %d: a warm-up infer-bbox, then 2 workers, then 1%n", round, o.rounds());
                out.flush();
                run(runner, "infer-bbox", data, copy(base, runDir.resolve("work-warm-" + round)), config);
                twos.add(measure(runner, repository, data, copy(base, runDir.resolve("work-2-" + round)), config));
                stop(workers.remove(workers.size() - 1));
                ones.add(measure(runner, repository, data, copy(base, runDir.resolve("work-1-" + round)), config));
                stop(workers.remove(0));
            }

            report(slices, ones, twos);
            out.println("worker logs and work folders: " + runDir);
            out.flush();
        } finally {
            for (Process w : workers) {
                stop(w);
            }
        }
    }

    /** Every round, the median speed-up, the partitions' own slowdown with both CPUs busy, the manager's overhead. */
    private void report(long slices, List<Result> ones, List<Result> twos) {
        out.printf(Locale.ROOT, "infer-bbox: %d studies, %d slices, %d partitions; each worker one compute thread "
                + "(-XX:ActiveProcessorCount=1, ai.djl.pytorch.num_threads=1, OMP_NUM_THREADS=1%s)%n",
                o.studies(), slices, twos.get(0).partitions(), TASKSET.isPresent() ? ", taskset: worker i on CPU i"
                        : "; no taskset: workers are not pinned to a core");
        double[] speedUps = new double[ones.size()];
        // where the rest goes: the same partitions' own run time (sum over partitions, from the repository) with
        // both CPUs busy against one; 2 / that slowdown is what perfect coordination could reach
        double[] slowdowns = new double[ones.size()];
        for (int i = 0; i < ones.size(); i++) {
            Result one = ones.get(i);
            Result two = twos.get(i);
            speedUps[i] = one.stepSeconds() / two.stepSeconds();
            slowdowns[i] = two.busySeconds() / one.busySeconds();
            out.printf(Locale.ROOT, "  round %d: 1 worker %7.1f slices/s (step %.2f s), 2 workers %7.1f slices/s "
                    + "(step %.2f s): %.2fx%n", i + 1, slices / one.stepSeconds(), one.stepSeconds(),
                    slices / two.stepSeconds(), two.stepSeconds(), speedUps[i]);
        }
        out.printf(Locale.ROOT, "  speed-up with 2 workers, median of %d rounds: %.2fx (target >= 1.7x)%n",
                speedUps.length, Throughput.median(speedUps));
        double slowdown = Throughput.median(slowdowns);
        out.printf(Locale.ROOT, "  the partitions themselves ran %.2fx longer with both CPUs busy (median; the "
                + "workers slow each other down); without any coordination cost 2 workers could reach %.2fx, so "
                + "remote partitioning keeps %.0f %% of that%n", slowdown, 2 / slowdown,
                100 * Throughput.median(speedUps) / (2 / slowdown));
        for (List<Result> rs : List.of(ones, twos)) {
            out.printf(Locale.ROOT, "  manager overhead per partition, %d worker%s (median): %.0f ms beyond the "
                    + "busiest worker's partitions; hand-off between partitions on a worker %.0f ms%n",
                    rs.get(0).workers(), rs.get(0).workers() == 1 ? "" : "s",
                    Throughput.median(rs.stream().mapToDouble(Result::overheadMillis).toArray()),
                    Throughput.median(rs.stream().mapToDouble(Result::handoffMillis).toArray()));
        }
    }

    private static void stop(Process w) throws InterruptedException {
        w.destroy();
        if (!w.waitFor(60, TimeUnit.SECONDS)) {
            w.destroyForcibly();
        }
    }

    private record Result(int workers, int partitions, double stepSeconds, double busySeconds,
                          double overheadMillis, double handoffMillis) {
    }

    private Result measure(JobRunner runner, JobRepository repository, Path data, Path work, Path config) throws Exception {
        JobExecution e = run(runner, "infer-bbox", data, work, config);
        StepExecution step = null;
        List<StepExecution> parts = new ArrayList<>();
        // as the workers left them: the manager's copies of its partitions never saw them run
        for (StepExecution mine : e.getStepExecutions()) {
            StepExecution s = repository.getStepExecution(mine.getId());
            if (s.getStepName().equals("inferBbox")) {
                step = s;
            } else if (s.getStepName().startsWith("inferBboxPartition:")) {
                parts.add(s);
            }
        }
        if (step == null || parts.isEmpty()) {
            throw new IllegalStateException("infer-bbox ran no partitions");
        }
        Map<String, List<StepExecution>> byWorker = new HashMap<>();
        for (StepExecution p : parts) {
            String who = String.valueOf(p.getExecutionContext().get(JobOwnerListener.PID));
            byWorker.computeIfAbsent(who, k -> new ArrayList<>()).add(p);
        }
        double busiest = 0;
        double total = 0;
        double gaps = 0;
        int gapCount = 0;
        for (List<StepExecution> mine : byWorker.values()) {
            mine.sort(Comparator.comparing(StepExecution::getStartTime));
            double busy = 0;
            for (int i = 0; i < mine.size(); i++) {
                busy += seconds(mine.get(i).getStartTime(), mine.get(i).getEndTime());
                if (i > 0) {
                    gaps += seconds(mine.get(i - 1).getEndTime(), mine.get(i).getStartTime());
                    gapCount++;
                }
            }
            busiest = Math.max(busiest, busy);
            total += busy;
        }
        double wall = seconds(step.getStartTime(), step.getEndTime());
        return new Result(workers.size(), parts.size(), wall, total, (wall - busiest) * 1000 / parts.size(),
                gapCount == 0 ? 0 : gaps * 1000 / gapCount);
    }

    private JobExecution run(JobRunner runner, String job, Path data, Path work, Path config) throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("data", data.toString());
        params.put("work", work.toString());
        params.put("config", config.toString());
        JobExecution e = runner.run(job, JobRequest.of(job, params).parameters(), new PrintWriter(new StringWriter()));
        if (e.getStatus() != BatchStatus.COMPLETED) {
            throw new IllegalStateException(job + " ended " + e.getStatus() + ": " + e.getExitStatus().getExitDescription());
        }
        return e;
    }

    private Process startWorker(String jar, List<String> props, Path log, int cpu) throws IOException {
        // one core each: a worker's Java threads (DICOM decoding, the step itself) beside PyTorch's one thread
        // would otherwise take the other core too, and one worker would already use the whole machine
        List<String> prefix = TASKSET.isPresent() ? List.of(TASKSET.get().toString(), "-c", String.valueOf(cpu % CPUS))
                : List.of();
        List<String> args = new ArrayList<>(List.of("worker"));
        args.addAll(props);
        return ChildJvm.start(prefix, List.of("-XX:ActiveProcessorCount=1", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1", "-Xmx1g"), Map.of("OMP_NUM_THREADS", "1", "MKL_NUM_THREADS", "1"),
                jar, log, args);
    }

    private void awaitReady(Path logs, String round) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000;
        while (true) {
            int ready = 0;
            for (int i = 1; i <= workers.size(); i++) {
                Path log = logs.resolve(round + "-worker-" + i + ".log");
                if (Files.exists(log) && Files.readString(log).contains(" ready: ")) {
                    ready++;
                }
            }
            if (ready == workers.size()) {
                return;
            }
            for (Process w : workers) {
                if (!w.isAlive()) {
                    throw new IllegalStateException("a worker ended before it was ready; see " + logs);
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("workers not ready after 180 s; see " + logs);
            }
            Thread.sleep(200);
        }
    }

    /** The work folder's outputs (not its lock or part files) copied to a new work folder. */
    private static Path copy(Path from, Path to) throws IOException {
        AtomicFiles.deleteTree(to);
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path rel = from.relativize(p);
                if (rel.startsWith("parts") || rel.toString().equals("job.lock")) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }

    /** Creates the bench's database on its server when it does not exist. */
    private static void createDatabase(String url) throws SQLException {
        int slash = url.lastIndexOf('/');
        String name = url.substring(slash + 1).replaceAll("\\?.*", "");
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("the bench database name must be a plain identifier: " + name);
        }
        String user = System.getenv().getOrDefault("RSNA22_DB_USER", "postgres");
        String password = System.getenv().getOrDefault("RSNA22_DB_PASSWORD", "");
        try (Connection c = DriverManager.getConnection(url.substring(0, slash + 1) + "postgres", user, password);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
            if (!rs.next()) {
                st.execute("CREATE DATABASE " + name);
            }
        }
    }

    private static double seconds(LocalDateTime a, LocalDateTime b) {
        return Duration.between(a, b).toNanos() / 1e9;
    }
}
