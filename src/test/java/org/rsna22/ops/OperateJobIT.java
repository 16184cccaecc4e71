package org.rsna22.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.testsupport.Http;
import org.rsna22.testsupport.JarProcess;
import org.rsna22.testsupport.Services;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Living with a running job, as a user does with the packaged jar: progress over HTTP with an ETA while it
 * runs, credentials on everything but health and progress, kill -9, status shows it failed, restart completes
 * it with outputs equal to an uninterrupted run; SIGTERM stops it gracefully. On H2 and on PostgreSQL.
 */
class OperateJobIT {

    static final String[] OUTPUTS = {"train_folded_v01.csv", "slice_meta_v01.csv.gz", "train_bbox_v01.csv.gz",
        "train_all_slices_v01.csv.gz", "skipped.csv"};
    static final String PASSWORD = "s3cret-for-tests";
    /** Small chunks: more commits, so the job runs long enough to be watched (and outputs must not change). */
    static final String SLOW = "--rsna22.prepare.slice-chunk-size=5";

    @TempDir
    static Path shared;
    static Path data;
    static Path config;
    static Path reference;

    @BeforeAll
    static void dataset() throws Exception {
        data = JarProcess.generateDemo(60, 16, 300);
        config = shared.resolve("slow.yaml");
        Files.writeString(config, "prepare:\n  threads: 1\n  studies_per_partition: 6\n");
        reference = shared.resolve("reference");
        assertThat(JarProcess.run(shared.resolve("ref.log"), "run", "prepare", "data=" + data, "work=" + reference,
                "config=" + config, "--no-web", "--rsna22.db-dir=" + shared.resolve("db-ref"))).isZero();
    }

    @Test
    void progressSecurityKillStatusRestartOnH2(@TempDir Path tmp) throws Exception {
        killAndRestart(tmp, List.of("--rsna22.db-dir=" + tmp.resolve("db")));
    }

    @Test
    void progressSecurityKillStatusRestartOnPostgres(@TempDir Path tmp) throws Exception {
        String db = "rsna22_it_" + ProcessHandle.current().pid() + "_" + System.nanoTime() % 100000;
        Services.Endpoints services = Services.get();
        services.freshDatabase(db);
        try {
            killAndRestart(tmp, services.springArgs(db));
            try (Connection c = services.connect(db)) {
                var rs = c.createStatement().executeQuery("SELECT STATUS FROM BATCH_JOB_EXECUTION ORDER BY JOB_EXECUTION_ID");
                List<String> statuses = new ArrayList<>();
                while (rs.next()) {
                    statuses.add(rs.getString(1));
                }
                assertThat(statuses).as("the job repository is the PostgreSQL database").containsExactly("FAILED", "COMPLETED");
            }
        } finally {
            services.dropDatabase(db);
        }
    }

    @Test
    void sigtermStopsGracefullyAndRestartCompletes(@TempDir Path tmp) throws Exception {
        int port = Http.freePort();
        List<String> db = List.of("--rsna22.db-dir=" + tmp.resolve("db"));
        Path work = tmp.resolve("work");
        JarProcess p = JarProcess.start(tmp.resolve("run.log"), args(List.of("run", "prepare", "data=" + data,
                "work=" + work, "config=" + config, "--server.port=" + port, SLOW), db));
        awaitItems(port, p, 200);
        p.terminate();
        assertThat(p.waitFor(120)).as(p.output()).isEqualTo(3);
        assertThat(p.output()).contains("SIGTERM: stopping prepare").contains("prepare STOPPED");

        Path status = tmp.resolve("status.log");
        assertThat(JarProcess.run(status, args(List.of("status", "prepare"), db))).isZero();
        assertThat(Files.readString(status)).contains("STOPPED");
        Path restart = tmp.resolve("restart.log");
        assertThat(JarProcess.run(restart, args(List.of("restart", "prepare", "--no-web"), db))).as(Files.readString(restart))
                .isZero();
        assertSameOutputs(work);
    }

    /**
     * Two jobs started at the same moment without --server.port, as a script starting two folds does: both find 8022
     * free, one web server takes it, and the other job starts on a free port instead of failing ("port 8022 is taken").
     */
    @Test
    void twoJobsStartedAtOnceBothRunWithAWebServerEach(@TempDir Path tmp) throws Exception {
        Path tiny = JarProcess.generateDemo(4, 16, 8);
        List<JarProcess> jobs = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            jobs.add(JarProcess.start(tmp.resolve(name + ".log"), "run", "prepare", "data=" + tiny,
                    "work=" + tmp.resolve("work-" + name), "--rsna22.db-dir=" + tmp.resolve("db-" + name)));
        }
        List<String> urls = new ArrayList<>();
        for (JarProcess p : jobs) {
            assertThat(p.waitFor(120)).as(p.output()).isZero();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("progress: (http://localhost:\\d+)/")
                    .matcher(p.output());
            assertThat(m.find()).as(p.output()).isTrue();
            urls.add(m.group(1));
        }
        assertThat(urls.get(0)).isNotEqualTo(urls.get(1));
    }

    private void killAndRestart(Path tmp, List<String> db) throws Exception {
        int port = Http.freePort();
        Path work = tmp.resolve("work");
        JarProcess p = JarProcess.start(tmp.resolve("run.log"), args(List.of("run", "prepare", "data=" + data,
                "work=" + work, "config=" + config, "--server.port=" + port, "--rsna22.web.password=" + PASSWORD, SLOW), db));

        JsonNode first = awaitItems(port, p, 1);
        JsonNode later = awaitItems(port, p, sliceDone(first) + 500);
        assertThat(sliceDone(later)).isGreaterThan(sliceDone(first));
        JsonNode slices = sliceStep(later);
        assertThat(slices.get("expected").asLong()).isGreaterThan(sliceDone(later));
        assertThat(slices.get("unit").asText()).isEqualTo("slices");
        assertThat(slices.get("rate").asDouble()).isPositive();
        assertThat(slices.get("etaSeconds").isNumber()).as("an ETA while running: " + slices).isTrue();
        assertThat(slices.get("partitions").size()).isEqualTo(10);

        assertThat(Http.get(port, "/actuator/health", null, null).status()).isEqualTo(200);
        assertThat(Http.get(port, "/actuator/metrics", null, null).status()).isEqualTo(401);
        assertThat(Http.get(port, "/actuator/prometheus", null, null).status()).isEqualTo(401);
        assertThat(Http.get(port, "/actuator/prometheus", "rsna22", "wrong").status()).isEqualTo(401);
        Http.Response prom = Http.get(port, "/actuator/prometheus", "rsna22", PASSWORD);
        assertThat(prom.status()).isEqualTo(200);
        assertThat(prom.body()).contains("spring_batch_").contains("rsna22_dicom_headers_read_total");
        assertThat(Http.get(port, "/actuator/shutdown", "rsna22", PASSWORD).status()).isIn(404, 405);
        assertThat(p.isAlive()).as("killed while still running").isTrue();
        p.kill9();

        Path status = tmp.resolve("status.log");
        assertThat(JarProcess.run(status, args(List.of("status", "prepare"), db))).isZero();
        assertThat(Files.readString(status)).contains("which is gone: marked FAILED").contains("FAILED")
                .contains("sliceMetadata");
        Path restart = tmp.resolve("restart.log");
        int exit = JarProcess.run(restart, args(List.of("restart", "prepare", "--no-web"), db));
        assertThat(exit).as(Files.readString(restart)).isZero();
        assertThat(Files.readString(restart)).contains("restarting prepare execution").contains("prepare COMPLETED");
        assertSameOutputs(work);
    }

    /** Polls the progress endpoint until sliceMetadata has done at least n items; returns the last answer. */
    private static JsonNode awaitItems(int port, JarProcess p, long n) throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) {
                throw new AssertionError("the job ended before the test could watch it:\n" + p.output());
            }
            try {
                Http.Response r = Http.get(port, "/actuator/progress", null, null);
                if (r.status() == 200) {
                    JsonNode body = json.readTree(r.body());
                    if (sliceStep(body) != null && sliceDone(body) >= n) {
                        return body;
                    }
                }
            } catch (IOException notYetListening) {
                // the server starts a moment after the process
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no progress within 120 s:\n" + p.output());
    }

    private static JsonNode sliceStep(JsonNode progress) {
        for (JsonNode e : progress.get("executions")) {
            if (e.get("status").asText().equals("STARTED")) {
                for (JsonNode s : e.get("steps")) {
                    if (s.get("name").asText().equals("sliceMetadata")) {
                        return s;
                    }
                }
            }
        }
        return null;
    }

    private static long sliceDone(JsonNode progress) {
        JsonNode s = sliceStep(progress);
        return s == null ? -1 : s.get("done").asLong();
    }

    private static void assertSameOutputs(Path work) throws IOException {
        for (String name : OUTPUTS) {
            assertThat(Files.readAllBytes(work.resolve(name))).as(name).isEqualTo(Files.readAllBytes(reference.resolve(name)));
        }
    }

    private static String[] args(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all.toArray(String[]::new);
    }
}
