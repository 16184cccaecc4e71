package org.rsna22.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.testsupport.JarProcess;
import org.rsna22.testsupport.Services;

/**
 * A worker started with a broker that refuses its login, a broker that is not there, or a job repository that is not
 * there exits non-zero at start with one error line naming what it could not reach; the password it was given
 * appears in none of its output, nor in {@code status} on that repository.
 */
class WorkerStartIT {

    private static final String DATABASE = "rsna22_worker_start_it";
    private static final String SECRET = "s3cret-" + ProcessHandle.current().pid();

    @Test
    void aWorkerThatCannotReachItsServicesSaysWhichInOneLineAndNeverShowsThePassword(@TempDir Path tmp)
            throws Exception {
        Services.Endpoints services = Services.get();
        services.freshDatabase(DATABASE);
        try {
            List<String> good = services.springArgs(DATABASE);

            List<String> wrongPassword = replace(good, "--spring.rabbitmq.password=", SECRET);
            assertOneErrorLine(tmp, "wrong-broker-password", wrongPassword, "error: the worker did not start: cannot "
                    + "reach the broker at " + services.rabbitHost() + ":" + services.rabbitPort() + " as user "
                    + services.rabbitUser() + ": ACCESS_REFUSED");

            List<String> noBroker = replace(replace(good, "--spring.rabbitmq.port=", "1"),
                    "--spring.rabbitmq.password=", SECRET);
            assertOneErrorLine(tmp, "no-broker", noBroker, "error: the worker did not start: cannot reach the broker at "
                    + services.rabbitHost() + ":1 as user " + services.rabbitUser() + ": Connection refused");

            List<String> noDatabase = replace(replace(good, "--rsna22.db.url=",
                    "jdbc:postgresql://127.0.0.1:1/" + DATABASE + "?password=" + SECRET), "--rsna22.db.password=", SECRET);
            assertOneErrorLine(tmp, "no-database", noDatabase, "error: the worker did not start: cannot reach the job "
                    + "repository jdbc:postgresql://127.0.0.1:1/" + DATABASE + ": Connection refused");

            Path status = tmp.resolve("status.log");
            List<String> statusArgs = new ArrayList<>(List.of("status"));
            statusArgs.addAll(replace(good, "--rsna22.db.password=", SECRET));
            assertThat(JarProcess.run(status, statusArgs.toArray(String[]::new))).isZero();
            assertThat(Files.readString(status)).doesNotContain(SECRET);
        } finally {
            services.dropDatabase(DATABASE);
        }
    }

    private static void assertOneErrorLine(Path tmp, String name, List<String> options, String expected)
            throws Exception {
        Path log = tmp.resolve(name + ".log");
        List<String> args = new ArrayList<>(List.of("worker"));
        args.addAll(options);
        int exit = JarProcess.run(log, args.toArray(String[]::new));
        String out = Files.readString(log);
        assertThat(exit).as(out).isEqualTo(1);
        List<String> errors = out.lines().filter(l -> l.startsWith("error:")).toList();
        assertThat(errors).as(out).hasSize(1);
        assertThat(errors.get(0)).startsWith(expected);
        assertThat(out).as("the password in no line").doesNotContain(SECRET).doesNotContain("ready:");
    }

    private static List<String> replace(List<String> args, String key, String value) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(a.startsWith(key) ? key + value : a);
        }
        return out;
    }
}
