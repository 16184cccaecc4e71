package org.rsna22.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.testsupport.ExternalTools;
import org.rsna22.testsupport.JarProcess;
import org.rsna22.testsupport.PrepareJobTestSupport;
import org.rsna22.testsupport.Services;
import org.rsna22.training.TrainRun;

/**
 * Remote partitioning as users run it: PostgreSQL as the shared job repository, RabbitMQ, a manager and worker JVMs
 * of the packaged jar. prepare, train-bbox and infer-bbox run on two workers and give the files of a local
 * single-process run, byte for byte; requests no worker can run end in the dead-letter queue without harming the
 * jobs; a worker killed mid-training fails its partition only, and a restart runs that partition alone, resumed from
 * its checkpoint, to the weights of the uninterrupted run.
 */
class RemotePartitioningIT {

    private static final String DATABASE = "rsna22_it_remote";
    private static final String FOLD0_STARTED = "partition trainBboxPartition:fold0-seed0 (job execution";

    @Test
    void twoWorkersRunTheJobsAsOneProcessAndAKilledWorkersPartitionIsTheOnlyOneRunAgain(@TempDir Path tmp) throws Exception {
        long started = System.nanoTime();
        Path data = JarProcess.generateDemo(6, 32, 24);
        Path config = tmp.resolve("remote-test.yaml");
        // long enough to kill a worker mid-run; tiny images keep each epoch short
        Files.writeString(config, Files.readString(Path.of("src/test/resources/bbox-test.yaml"))
                .replace("epochs: 3", "epochs: 5"));
        String[] jobs = {"prepare", "train-bbox", "infer-bbox"};

        Services.Endpoints services = Services.get();
        services.freshDatabase(DATABASE);
        String queue = "rsna22.it." + ProcessHandle.current().pid() + "." + System.nanoTime();
        List<String> shared = new ArrayList<>(services.springArgs(DATABASE));
        shared.add("--rsna22.remote-queue=" + queue);
        List<JarProcess> workers = new ArrayList<>();
        try {
            // the poison first: the workers meet it as soon as they start
            poison(services, queue);
            workers.add(worker(tmp, "w1", shared));
            workers.add(worker(tmp, "w2", shared));

            // the reference, while the workers start: one process, the local H2 repository
            Path local = tmp.resolve("local");
            for (String job : jobs) {
                assertThat(JarProcess.run(tmp.resolve("local-" + job + ".log"), "run", job, "data=" + data,
                        "work=" + local, "config=" + config, "--no-web", "--rsna22.db-dir=" + tmp.resolve("db-local")))
                        .isZero();
            }
            for (JarProcess w : workers) {
                awaitLog(w, "ready", 120);
            }

            Path remote = tmp.resolve("remote");
            for (String job : jobs) {
                Path log = tmp.resolve("manager-" + job + ".log");
                int exit = JarProcess.run(log, manager(shared, "run", job, "data=" + data, "work=" + remote,
                        "config=" + config));
                assertThat(exit).as(Files.readString(log)).isZero();
            }
            assertSameOutputs(local, remote);

            // status lists the executions of every job: train-bbox's and infer-bbox's partitions ran on both workers
            Path statusLog = tmp.resolve("status.log");
            assertThat(JarProcess.run(statusLog, args(shared, "status"))).isZero();
            List<String> status = Files.readAllLines(statusLog);
            for (String step : new String[] {"trainBbox ", "inferBbox "}) {
                int at = -1;
                for (int i = 0; i < status.size(); i++) {
                    if (status.get(i).trim().startsWith(step)) {
                        at = i;
                    }
                }
                assertThat(at).as(step + "in " + status).isGreaterThanOrEqualTo(0);
                String workersLine = status.get(at + 1);
                assertThat(workersLine).as(step + "partitions' workers").contains("workers:");
                for (JarProcess w : workers) {
                    assertThat(workersLine).as(step + "partitions ran on both workers").contains(w.pid() + "@");
                }
            }

            // three requests no worker can run: rejected once each, to the dead-letter queue; none is left behind
            String workerLogs = workers.get(0).output() + workers.get(1).output();
            assertThat(count(workerLogs, "rejected a message to the dead-letter queue " + queue + ".dlq")).isEqualTo(3);
            assertThat(workerLogs).contains("not JSON").contains("no partition has step execution id 999999")
                    .contains("this worker has no step dropTablesPartition");
            assertThat(services.ready(queue + ".dlq")).isEqualTo(3);
            assertThat(services.ready(queue)).isZero();

            long t = phase("two workers against one process, status, dead letters", started);
            killAWorkerMidTrainingThenRestart(tmp, data, config, shared, workers, local);
            t = phase("a worker killed mid-training", t);
            pauseAWorkerPastTheSilentLimitThenWakeIt(tmp, data, config, shared, workers, local);
            t = phase("a worker paused past the silent limit", t);
            aThousandPartitions(tmp, shared, services, workers);
            t = phase("1,000 partitions and a broker outage", t);
            if (!services.containers()) { // this machine's PostgreSQL: pg_ctlcluster restarts it
                postgresRestartedMidStep(tmp, shared, services, workers);
                t = phase("PostgreSQL restarted mid-step", t);
            }
            aWorkFolderThatFillsUp(tmp, shared, workers);
            phase("a work folder that fills up", t);

            for (JarProcess w : workers) {
                w.terminate();
                assertThat(w.waitFor(60)).as(w.output()).isZero();
                assertThat(w.output()).contains("the worker takes no more partitions").contains("worker stopped");
            }
        } finally {
            for (JarProcess w : workers) {
                if (w.isAlive()) {
                    w.kill9();
                }
            }
            services.dropDatabase(DATABASE);
        }
    }

    /** Prints how long a part of the test took (for the report: where the suite's time goes); returns now. */
    private static long phase(String name, long since) {
        long now = System.nanoTime();
        System.out.printf(java.util.Locale.ROOT, "phase: %s took %.1f s%n", name, (now - since) / 1e9);
        return now;
    }

    /** A work folder with prepare's outputs of the first remote run: its top-level files but infer-bbox's. */
    private static Path prepared(Path tmp, String name) throws Exception {
        Path work = tmp.resolve(name);
        Files.createDirectories(work);
        WorkLayout prepared = WorkLayout.of(tmp.resolve("remote").toString());
        try (Stream<Path> top = Files.list(tmp.resolve("remote"))) {
            for (Path f : top.filter(Files::isRegularFile).toList()) {
                if (!f.equals(prepared.bboxPred(Subset.TRAIN)) && !f.equals(prepared.bboxSlicePred(Subset.TRAIN))
                        && !f.endsWith("job.lock")) {
                    Files.copy(f, work.resolve(f.getFileName()));
                }
            }
        }
        return work;
    }

    /**
     * A worker stopped with SIGSTOP inside fold 0's training for longer than the manager's silent limit: the manager
     * marks the partition FAILED and fails the job; the restart gives fold 0 to the other worker, which resumes and
     * completes it; then the paused worker is woken with SIGCONT. It must be fenced off: log so, write nothing into
     * the run's folder, record nothing; the weights equal the single-process run's.
     */
    private static void pauseAWorkerPastTheSilentLimitThenWakeIt(Path tmp, Path data, Path config, List<String> shared,
                                                                 List<JarProcess> workers, Path reference)
            throws Exception {
        Path work = prepared(tmp, "remote-pause");
        List<String> managerArgs = new ArrayList<>(List.of(manager(shared, "run", "train-bbox", "data=" + data,
                "work=" + work, "config=" + config)));
        managerArgs.add("--rsna22.remote-silent-seconds=6");
        Map<JarProcess, Integer> before = new HashMap<>();
        for (JarProcess w : workers) {
            before.put(w, count(w.output(), FOLD0_STARTED));
        }
        JarProcess first = JarProcess.start(tmp.resolve("pause-first.log"), managerArgs.toArray(String[]::new));
        TrainRun fold0 = TrainRun.of(work, "remote-test", 0, 0);
        JarProcess paused = workerOfFold0(first, fold0, "epoch-001", workers, before);
        assertThat(paused).as("a worker runs fold 0: " + workers.get(0).output() + workers.get(1).output()).isNotNull();
        assertThat(fold0.model()).as("fold 0 unfinished when its worker is paused").doesNotExist();
        signal(paused, "STOP");
        try {
            assertThat(first.waitFor(300)).as(first.output()).isEqualTo(1);
            assertThat(first.output()).contains("has been silent for").contains("marked FAILED")
                    .contains("train-bbox FAILED");
            Path restartLog = tmp.resolve("pause-restart.log");
            List<String> restart = new ArrayList<>(List.of(manager(shared, "restart", "train-bbox")));
            int exit = JarProcess.run(restartLog, restart.toArray(String[]::new));
            assertThat(exit).as(Files.readString(restartLog)).isZero();
        } finally {
            signal(paused, "CONT");
        }
        Map<String, String> completed = digests(fold0.dir());
        awaitLog(paused, "ended fenced off", 120);
        assertThat(paused.output()).contains("fenced off: partition trainBboxPartition:fold0-seed0");
        paused.output().lines().filter(l -> l.contains("fenced off")).forEach(System.out::println); // for the report
        assertThat(digests(fold0.dir())).as("the woken worker wrote nothing into fold 0's run").isEqualTo(completed);
        for (int fold : new int[] {0, 1}) {
            assertThat(Files.readAllBytes(TrainRun.of(work, "remote-test", fold, 0).model().resolve("bbox-0000.params")))
                    .as("weights of fold " + fold)
                    .isEqualTo(Files.readAllBytes(TrainRun.of(reference, "remote-test", fold, 0).model()
                            .resolve("bbox-0000.params")));
        }
        Path statusLog = tmp.resolve("pause-status.log");
        assertThat(JarProcess.run(statusLog, args(shared, "status", "train-bbox"))).isZero();
        assertThat(Files.readString(statusLog)).as("the job stays COMPLETED").contains("COMPLETED");
    }

    /**
     * prepare over 1,000 tiny studies, one per partition (1,000 sliceMetadata and 750 bboxLabels partitions) on the two
     * workers: it completes, the manager's heap stays small, status answers quickly and the coordination costs each
     * partition little (the workers' time not spent in partitions, from the repository's start and end times). When
     * bboxLabels has sent its requests, RabbitMQ is stopped for 10 s and started again (rabbitmqctl stop_app /
     * start_app): manager and workers reconnect, no request is lost or run twice, and the outputs equal a
     * single-process prepare's; each worker says once that the broker went and once that it is back.
     */
    private static void aThousandPartitions(Path tmp, List<String> shared, Services.Endpoints services,
                                            List<JarProcess> workers) throws Exception {
        Path data = JarProcess.generateDemo(1000, 16, 8);
        Path config = Files.writeString(tmp.resolve("one-study-per-partition.yaml"),
                "prepare:\n  studies_per_partition: 1\n");
        Path log = tmp.resolve("manager-1000.log");
        JarProcess prepare = JarProcess.start(log, manager(shared, "run", "prepare", "data=" + data,
                "work=" + tmp.resolve("k1000"), "config=" + config));
        boolean outage = !services.containers(); // this machine's broker: rabbitmqctl stops and starts it
        if (outage) {
            awaitLog(prepare, "bboxLabels: sent 750 partition requests", 240);
            rabbitmq("stop_app");
            try {
                Thread.sleep(10_000);
            } finally {
                rabbitmq("start_app");
            }
        }
        int exit = prepare.waitFor(300);
        String out = Files.readString(log);
        assertThat(exit).as(out).isZero();
        Path single = tmp.resolve("k1000-local");
        assertThat(JarProcess.run(tmp.resolve("local-1000.log"), "run", "prepare", "data=" + data, "work=" + single,
                "--no-web", "--rsna22.db-dir=" + tmp.resolve("db-local-1000"))).isZero();
        for (String f : List.of("slice_meta_v01.csv.gz", "train_bbox_v01.csv.gz", "train_all_slices_v01.csv.gz",
                "train_folded_v01.csv", "skipped.csv")) {
            assertThat(Files.readAllBytes(tmp.resolve("k1000").resolve(f))).as(f)
                    .isEqualTo(Files.readAllBytes(single.resolve(f)));
        }
        if (outage) {
            for (JarProcess w : workers) {
                String said = w.output();
                assertThat(count(said, "cannot take partition requests from the broker")).as(said).isEqualTo(1);
                assertThat(said).contains("is back after");
                assertThat(count(said, "MessagingException")).as("no stack trace per poll").isZero();
            }
        }
        Matcher live = Pattern.compile("live after collections at most (\\d+) MiB").matcher(out);
        assertThat(live.find()).as(out).isTrue();
        // 1,684 MiB before the manager polled its partitions in one query and read each one alone
        assertThat(Integer.parseInt(live.group(1))).as("the manager's live heap over 1,750 partitions, MiB")
                .isLessThan(128);

        try (java.sql.Connection c = services.connect(DATABASE); java.sql.Statement s = c.createStatement()) {
            double wall = seconds(s, "SELECT EXTRACT(EPOCH FROM END_TIME - START_TIME) FROM BATCH_STEP_EXECUTION "
                    + "WHERE STEP_NAME = 'sliceMetadata' ORDER BY STEP_EXECUTION_ID DESC LIMIT 1");
            double busy = seconds(s, "SELECT SUM(EXTRACT(EPOCH FROM END_TIME - START_TIME)) FROM BATCH_STEP_EXECUTION "
                    + "WHERE STEP_NAME LIKE 'sliceMetadataPartition:%' AND JOB_EXECUTION_ID = (SELECT JOB_EXECUTION_ID "
                    + "FROM BATCH_STEP_EXECUTION WHERE STEP_NAME = 'sliceMetadata' ORDER BY STEP_EXECUTION_ID DESC LIMIT 1)");
            int partitions = 1000;
            double overheadMillis = (2 * wall - busy) * 1000 / partitions; // the two workers' time outside partitions
            System.out.printf(java.util.Locale.ROOT, "1,000 sliceMetadata partitions on 2 workers: %.1f s, partitions' "
                    + "own time %.1f s, coordination %.1f ms per partition%n", wall, busy, overheadMillis);
            assertThat(overheadMillis).as("coordination per partition, ms").isLessThan(50);
        }

        // the issue's "status answers in under 2 s" is the time the repository's content adds: the same command on an
        // empty repository gives the JVM's and Spring's start, which on this 2-core machine alone varies by a second
        String empty = DATABASE + "_empty";
        services.freshDatabase(empty);
        double startSeconds;
        try {
            List<String> emptyArgs = new ArrayList<>(List.of("status", "prepare"));
            emptyArgs.addAll(services.springArgs(empty));
            // the first start creates the job repository's tables; the second is timed
            assertThat(JarProcess.run(tmp.resolve("status-empty.log"), emptyArgs.toArray(String[]::new))).isZero();
            long t0 = System.nanoTime();
            assertThat(JarProcess.run(tmp.resolve("status-empty.log"), emptyArgs.toArray(String[]::new))).isZero();
            startSeconds = (System.nanoTime() - t0) / 1e9;
        } finally {
            services.dropDatabase(empty);
        }
        Path status = tmp.resolve("status-1000.log");
        long t0 = System.nanoTime();
        assertThat(JarProcess.run(status, args(shared, "status", "prepare"))).isZero();
        double statusSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(java.util.Locale.ROOT, "status on that repository: %.2f s, on an empty one %.2f s (the JVM's "
                + "start included in both)%n", statusSeconds, startSeconds);
        assertThat(statusSeconds - startSeconds).as("what 1,750 partitions add to status, s").isLessThan(2);
        assertThat(Files.readString(status)).contains("partitions 1000/1000 completed")
                .containsPattern("workers: \\d+@\\S+ \\d+ partitions, \\d+@\\S+ \\d+ partitions");
    }

    /**
     * The job repository's PostgreSQL restarted while 100 sliceMetadata partitions run on the two workers (the
     * manager's and the workers' connections die, each and every query fails for about a second): the manager polls
     * on; a partition that was committing fails with the database named as the cause, one whose request came while
     * the database was away goes back to the queue; nothing stays STARTED or UNKNOWN; the job fails or completes, and
     * a plain restart of a failed one completes it, with outputs equal to a single-process prepare's.
     */
    private static void postgresRestartedMidStep(Path tmp, List<String> shared, Services.Endpoints services,
                                                 List<JarProcess> workers) throws Exception {
        Path data = JarProcess.generateDemo(100, 16, 8);
        Path config = Files.writeString(tmp.resolve("pg-restart.yaml"), "prepare:\n  studies_per_partition: 1\n");
        Path work = tmp.resolve("pg-restart");
        Path log = tmp.resolve("manager-pg.log");
        long before;
        try (java.sql.Connection c = services.connect(DATABASE); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet r = st.executeQuery("SELECT COALESCE(MAX(JOB_EXECUTION_ID), 0) FROM BATCH_JOB_EXECUTION")) {
            assertThat(r.next()).isTrue();
            before = r.getLong(1);
        }
        JarProcess prepare = JarProcess.start(log, manager(shared, "run", "prepare", "data=" + data, "work=" + work,
                "config=" + config));
        awaitLog(prepare, "sliceMetadata: sent 100 partition requests", 120);
        Thread.sleep(500);
        ExternalTools.Result restart = ExternalTools.run(List.of("pg_ctlcluster", "--skip-systemctl-redirect",
                postgresVersion(), "main", "restart"), tmp);
        assertThat(restart.exit()).as(restart.stderr()).isZero();
        int exit = prepare.waitFor(300);
        String out = Files.readString(log);
        assertThat(out).contains("sliceMetadata: cannot reach the job repository").contains("the job repository is back");
        if (exit != 0) {
            assertThat(exit).as(out).isEqualTo(1);
            assertThat(out).as("the reason names the database").containsPattern(
                    "prepare FAILED \\(execution \\d+\\): studies-\\d+: the job repository could not record");
            Path again = tmp.resolve("manager-pg-restart.log");
            assertThat(JarProcess.run(again, manager(shared, "restart", "prepare"))).as(Files.readString(again))
                    .isZero();
        }
        try (java.sql.Connection c = services.connect(DATABASE); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet r = st.executeQuery("SELECT COUNT(*) FROM BATCH_STEP_EXECUTION "
                     + "WHERE STATUS IN ('STARTING', 'STARTED', 'STOPPING', 'UNKNOWN') AND JOB_EXECUTION_ID > " + before)) {
            assertThat(r.next()).isTrue();
            assertThat(r.getInt(1)).as("step executions left running or UNKNOWN").isZero();
        }
        Path single = tmp.resolve("pg-restart-local");
        assertThat(JarProcess.run(tmp.resolve("local-pg.log"), "run", "prepare", "data=" + data, "work=" + single,
                "config=" + config, "--no-web", "--rsna22.db-dir=" + tmp.resolve("db-local-pg"))).isZero();
        for (String f : List.of("slice_meta_v01.csv.gz", "train_bbox_v01.csv.gz", "train_all_slices_v01.csv.gz",
                "train_folded_v01.csv", "skipped.csv")) {
            String difference = firstDifference(work.resolve(f), single.resolve(f));
            if (difference != null) {
                Path kept = keepEvidence(tmp, "postgres-restart");
                throw new AssertionError(f + " differs from the single-process run's: " + difference
                        + "; the work folders, logs and worker outputs are kept in " + kept);
            }
        }
        for (JarProcess w : workers) {
            assertThat(w.isAlive()).as("a worker outlives the database's restart: " + w.output()).isTrue();
        }
    }

    /** The major version of this machine's PostgreSQL cluster "main" (pg_lsclusters). */
    private static String postgresVersion() throws Exception {
        ExternalTools.Result clusters = ExternalTools.run(List.of("pg_lsclusters", "--no-header"), Path.of("."));
        for (String line : clusters.stdout().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 1 && f[1].equals("main")) {
                return f[0];
            }
        }
        throw new IllegalStateException("no PostgreSQL cluster 'main' in pg_lsclusters: " + clusters.stdout());
    }

    /**
     * The work folder on a 64 KiB tmpfs (mounted here; root, as in CI): a worker's partition fails on the full disk,
     * the manager's job fails with the disk-full reason, and `status` names it; once there is space a plain restart
     * completes the job.
     */
    private static void aWorkFolderThatFillsUp(Path tmp, List<String> shared, List<JarProcess> workers)
            throws Exception {
        Path small = Files.createDirectories(tmp.resolve("small"));
        ExternalTools.Result mount = ExternalTools.run(List.of("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                small.toString()), tmp);
        if (mount.exit() != 0) {
            ExternalTools.requireService("a small tmpfs for the disk-full case (mount needs root: "
                    + mount.stderr().strip() + ")");
        }
        try {
            Path data = JarProcess.generateDemo(6, 32, 40);
            Path work = small.resolve("work");
            Path log = tmp.resolve("manager-full.log");
            int exit = JarProcess.run(log, manager(shared, "run", "prepare", "data=" + data, "work=" + work));
            String out = Files.readString(log);
            assertThat(exit).as(out).isEqualTo(1);
            assertThat(out).contains("no space left on " + work);
            String workersSaid = workers.get(0).output() + workers.get(1).output();
            assertThat(workersSaid).as("a worker's partition failed on the full disk")
                    .containsPattern("partition \\w+Partition:studies-\\d+ ended FAILED in [0-9.]+ s: .*no space left on "
                            + Pattern.quote(work.toString()));
            Path status = tmp.resolve("status-full.log");
            assertThat(JarProcess.run(status, args(shared, "status", "prepare"))).isZero();
            assertThat(Files.readString(status)).containsPattern("reason: .*no space left on " + Pattern.quote(
                    work.toString()));

            ExternalTools.Result grow = ExternalTools.run(List.of("mount", "-o", "remount,size=64m", small.toString()),
                    tmp);
            assertThat(grow.exit()).as(grow.stderr()).isZero();
            Path restart = tmp.resolve("manager-full-restart.log");
            assertThat(JarProcess.run(restart, manager(shared, "restart", "prepare"))).as(Files.readString(restart))
                    .isZero();
            assertThat(work.resolve("train_all_slices_v01.csv.gz")).exists();
        } finally {
            ExternalTools.run(List.of("umount", small.toString()), tmp);
        }
    }

    private static void rabbitmq(String command) throws Exception {
        Process p = new ProcessBuilder("rabbitmqctl", command).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("rabbitmqctl " + command + ": " + said).isZero();
    }

    private static double seconds(java.sql.Statement s, String query) throws Exception {
        try (java.sql.ResultSet r = s.executeQuery(query)) {
            assertThat(r.next()).as(query).isTrue();
            return r.getDouble(1);
        }
    }

    /**
     * Waits until fold 0's run of the manager's train-bbox has written {@code checkpoint} (or the manager ended), then
     * returns the worker that started fold 0 since {@code before} counted its starts, or null.
     */
    private static JarProcess workerOfFold0(JarProcess manager, TrainRun fold0, String checkpoint,
                                            List<JarProcess> workers, Map<JarProcess, Integer> before)
            throws Exception {
        long deadline = System.currentTimeMillis() + 240_000;
        while (!Files.isDirectory(fold0.checkpoints().resolve(checkpoint)) && manager.isAlive()
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        JarProcess found = null;
        for (JarProcess w : workers) {
            if (count(w.output(), FOLD0_STARTED) > before.get(w)) {
                found = w;
            }
        }
        return found;
    }

    private static void signal(JarProcess p, String signal) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor()).isZero();
    }

    private static void killAWorkerMidTrainingThenRestart(Path tmp, Path data, Path config, List<String> shared,
                                                          List<JarProcess> workers, Path reference) throws Exception {
        Path work = prepared(tmp, "remote-kill");
        String[] train = manager(shared, "run", "train-bbox", "data=" + data, "work=" + work, "config=" + config);
        String fold1Started = "partition trainBboxPartition:fold1-seed0 (job execution";
        Map<JarProcess, Integer> fold0Before = new HashMap<>();
        for (JarProcess w : workers) {
            fold0Before.put(w, count(w.output(), FOLD0_STARTED));
        }
        int fold1Before = count(workers.get(0).output() + workers.get(1).output(), fold1Started);
        Path firstLog = tmp.resolve("kill-first.log");
        JarProcess first = JarProcess.start(firstLog, train);
        TrainRun fold0 = TrainRun.of(work, "remote-test", 0, 0);
        JarProcess victim = workerOfFold0(first, fold0, "epoch-002", workers, fold0Before);
        assertThat(victim).as("a worker runs fold 0 of the second train-bbox: " + workers.get(0).output()
                + workers.get(1).output()).isNotNull();
        assertThat(fold0.model()).as("fold 0 unfinished when its worker is killed").doesNotExist();
        victim.kill9();
        workers.remove(victim);
        // a worker that starts later takes the restarted partition; it boots while the manager winds down
        workers.add(worker(tmp, "w3", shared));

        assertThat(first.waitFor(300)).as(first.output()).isEqualTo(1);
        assertThat(first.output()).contains("worker " + victim.pid() + " on ").contains("is gone; marked FAILED")
                .contains("train-bbox FAILED");
        assertThat(TrainRun.of(work, "remote-test", 1, 0).model()).as("fold 1 finished on the live worker").exists();

        awaitLog(workers.get(workers.size() - 1), "ready", 120);
        Path restartLog = tmp.resolve("kill-restart.log");
        int exit = JarProcess.run(restartLog, manager(shared, "restart", "train-bbox"));
        assertThat(exit).as(Files.readString(restartLog)).isZero();
        String all = workers.get(0).output() + workers.get(1).output() + victim.output();
        // fold 1 ran once (in the first execution); fold 0 twice: the killed run and the restart, which resumed
        int fold0BeforeAll = fold0Before.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(count(all, fold1Started)).isEqualTo(fold1Before + 1);
        assertThat(count(all, FOLD0_STARTED)).isEqualTo(fold0BeforeAll + 2);
        assertThat(all).containsPattern("fold0-seed0 resumes from checkpoint epoch-00\\d");
        for (int fold : new int[] {0, 1}) {
            assertThat(Files.readAllBytes(TrainRun.of(work, "remote-test", fold, 0).model().resolve("bbox-0000.params")))
                    .as("weights of fold " + fold)
                    .isEqualTo(Files.readAllBytes(TrainRun.of(reference, "remote-test", fold, 0).model()
                            .resolve("bbox-0000.params")));
        }
    }

    /** Garbage, a request for a partition that does not exist, and one for a step no worker has. */
    private static void poison(Services.Endpoints services, String queue) throws Exception {
        try (Connection c = services.rabbit(); Channel ch = c.createChannel()) {
            ch.queueDeclare(queue + ".dlq", true, false, false, null);
            ch.queueDeclare(queue, true, false, false, Map.of("x-dead-letter-exchange", "",
                    "x-dead-letter-routing-key", queue + ".dlq"));
            AMQP.BasicProperties serialized = new AMQP.BasicProperties.Builder()
                    .contentType("application/x-java-serialized-object").deliveryMode(2).build();
            ch.basicPublish("", queue, serialized, new byte[] {(byte) 0xac, (byte) 0xed, 0, 5, 0x73, 0x72, 1, 2, 3});
            ch.basicPublish("", queue, null,
                    "{\"stepName\":\"trainBboxPartition\",\"stepExecutionId\":999999}".getBytes(StandardCharsets.UTF_8));
            ch.basicPublish("", queue, null,
                    "{\"stepName\":\"dropTablesPartition\",\"stepExecutionId\":1}".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static JarProcess worker(Path tmp, String name, List<String> shared) throws Exception {
        return JarProcess.start(tmp.resolve(name + ".log"), args(shared, "worker"));
    }

    private static String[] manager(List<String> shared, String... command) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(shared);
        a.add("--rsna22.remote=true");
        a.add("--no-web");
        return a.toArray(String[]::new);
    }

    private static String[] args(List<String> shared, String... command) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(shared);
        return a.toArray(String[]::new);
    }

    private static void awaitLog(JarProcess p, String text, int seconds) throws Exception {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (!p.output().contains(text)) {
            assertThat(p.isAlive()).as("worker alive: " + p.output()).isTrue();
            assertThat(System.currentTimeMillis()).as("'" + text + "' within " + seconds + " s: " + p.output())
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Every output file equal; metrics.csv without its timing columns. */
    /**
     * Null when the two files hold the same bytes; otherwise where their text first differs (gzip read through), so
     * that a failure says which row went wrong rather than printing two byte arrays.
     */
    static String firstDifference(Path a, Path b) throws IOException {
        if (Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b))) {
            return null;
        }
        List<String> x = lines(a);
        List<String> y = lines(b);
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            if (!x.get(i).equals(y.get(i))) {
                return "line " + (i + 1) + " is [" + x.get(i) + "] against [" + y.get(i) + "] (" + x.size() + " against "
                        + y.size() + " lines)";
            }
        }
        return x.size() != y.size() ? x.size() + " against " + y.size() + " lines, the first "
                + Math.min(x.size(), y.size()) + " equal" : "the same text in different bytes (compression)";
    }

    private static List<String> lines(Path f) throws IOException {
        return f.toString().endsWith(".gz") ? PrepareJobTestSupport.gunzip(f) : Files.readAllLines(f);
    }

    /** The test's folder copied to target/failsafe-evidence/NAME-TIME before @TempDir deletes it. */
    private static Path keepEvidence(Path tmp, String name) throws IOException {
        Path to = Path.of("target", "failsafe-evidence", name + "-" + System.currentTimeMillis()).toAbsolutePath();
        try (Stream<Path> all = Files.walk(tmp)) {
            for (Path f : all.toList()) {
                Path t = to.resolve(tmp.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else if (Files.isRegularFile(f) && !f.toString().contains("/data")) {
                    Files.copy(f, t);
                }
            }
        }
        return to;
    }

    private static void assertSameOutputs(Path a, Path b) throws Exception {
        Map<String, byte[]> left = files(a);
        Map<String, byte[]> right = files(b);
        assertThat(right.keySet()).isEqualTo(left.keySet());
        assertThat(left.keySet()).anyMatch(k -> k.endsWith("bbox-0000.params"))
                .anyMatch(k -> k.contains("study_bbox") || k.contains("bbox_pred"));
        for (String k : left.keySet()) {
            if (k.endsWith("metrics.csv")) {
                assertThat(withoutTiming(right.get(k))).as(k).isEqualTo(withoutTiming(left.get(k)));
            } else {
                assertThat(right.get(k)).as(k).isEqualTo(left.get(k));
            }
        }
    }

    /** Every file below root with the SHA-256 of its bytes. */
    private static Map<String, String> digests(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : files(root).entrySet()) {
            out.put(e.getKey(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(e.getValue())));
        }
        return out;
    }

    private static Map<String, byte[]> files(Path root) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            // job.lock is the work folder's lock and logs/ what each process said: not outputs
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !p.endsWith("job.lock"))
                    .filter(p -> !root.relativize(p).startsWith("logs")).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static List<String> withoutTiming(byte[] csv) {
        return new String(csv, StandardCharsets.UTF_8).lines()
                .map(l -> String.join(",", List.of(l.split(",")).subList(0, 6))).toList();
    }
}
