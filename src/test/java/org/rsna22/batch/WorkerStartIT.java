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
 * A worker started with a broker that refuses its login, a broker that is not there, a job repository that refuses
 * its password or one that is not there exits non-zero at start with one error line naming what it could not reach; the password it was given
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

            // this machine's PostgreSQL trusts every local login: a stand-in server asks for the password and refuses it
            try (RefusingPostgres refusing = new RefusingPostgres()) {
                String url = "jdbc:postgresql://127.0.0.1:" + refusing.port() + "/" + DATABASE;
                List<String> wrongDbPassword = replace(replace(good, "--rsna22.db.url=", url),
                        "--rsna22.db.password=", SECRET);
                assertOneErrorLine(tmp, "wrong-database-password", wrongDbPassword, "error: the worker did not start: "
                        + "cannot reach the job repository " + url + ": FATAL: password authentication failed");
                assertThat(refusing.passwords()).as("the worker sent the password it was given").contains(SECRET);
            }

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

    /**
     * A stand-in PostgreSQL server that speaks the start of the protocol (v3): it declines SSL and GSS encryption,
     * asks for the password in clear text, records it, and answers every login with FATAL 28P01, as a server does
     * to a wrong password.
     */
    private static final class RefusingPostgres implements AutoCloseable {
        private final java.net.ServerSocket server = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress());
        private final List<String> passwords = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Thread acceptor;

        RefusingPostgres() throws java.io.IOException {
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (java.net.Socket s = server.accept()) {
                        s.setSoTimeout(10_000);
                        refuse(new java.io.DataInputStream(s.getInputStream()),
                                new java.io.DataOutputStream(s.getOutputStream()));
                    } catch (java.io.IOException e) {
                        // closed, or a client that went away: take the next one
                    }
                }
            }, "refusing-postgres");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void refuse(java.io.DataInputStream in, java.io.DataOutputStream out) throws java.io.IOException {
            while (true) {
                int length = in.readInt();
                int code = in.readInt();
                in.skipNBytes(length - 8);
                if (code == 80877103 || code == 80877104) { // SSLRequest, GSSENCRequest: not here
                    out.writeByte('N');
                    out.flush();
                    continue;
                }
                break; // StartupMessage (protocol 3.0)
            }
            out.writeByte('R'); // AuthenticationCleartextPassword
            out.writeInt(8);
            out.writeInt(3);
            out.flush();
            if (in.readUnsignedByte() != 'p') {
                return;
            }
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            passwords.add(new String(body, 0, body.length - 1, java.nio.charset.StandardCharsets.UTF_8));
            java.io.ByteArrayOutputStream fields = new java.io.ByteArrayOutputStream();
            for (String f : List.of("SFATAL", "VFATAL", "C28P01", "Mpassword authentication failed for user \"postgres\"")) {
                fields.writeBytes(f.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                fields.write(0);
            }
            fields.write(0);
            out.writeByte('E');
            out.writeInt(4 + fields.size());
            out.write(fields.toByteArray());
            out.flush();
        }

        int port() {
            return server.getLocalPort();
        }

        List<String> passwords() {
            return passwords;
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    private static List<String> replace(List<String> args, String key, String value) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(a.startsWith(key) ? key + value : a);
        }
        return out;
    }
}
