package org.rsna22.cli;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.rsna22.Rsna22Application;
import org.rsna22.batch.JobOwnerListener;
import org.rsna22.batch.PartitionWorker;
import org.rsna22.config.Concurrency;
import org.rsna22.io.IoErrors;
import org.rsna22.model.DevicePool;
import org.rsna22.model.Engines;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.BeansException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.Lifecycle;
import org.springframework.core.env.Environment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code worker}: serves partitions of the jobs that a manager ({@code run JOB ... --rsna22.remote=true}) sends
 * over RabbitMQ, against the shared job repository, until SIGTERM or Ctrl-C; then the partitions it runs stop at
 * their next commit (STOPPED, restartable) and it exits.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Serve the partitions that a manager (run JOB ... --rsna22.remote=true) sends over RabbitMQ, "
                + "until stopped (SIGTERM or Ctrl-C: running partitions stop at their next commit and can be "
                + "restarted; a second signal exits at once).",
            "Give it the manager's job repository and broker: --spring.profiles.active=postgres with RSNA22_DB_URL, "
                + "RSNA22_DB_USER, RSNA22_DB_PASSWORD; --spring.rabbitmq.host=H (port, username, password alike).",
            "Data and work folders must be at the same paths as on the manager (a shared file system)."})
final class WorkerCommand extends LaunchingCommand implements Callable<Integer> {

    @Option(names = "--concurrency", paramLabel = "N|auto",
            description = "partitions run at once: a count, or auto = one per device of rsna22.devices (every GPU; 1 on "
                    + "the CPU) (default 1, or rsna22.worker.concurrency)")
    String concurrency;

    @Override
    public Integer call() {
        PrintWriter out = out();
        List<String> args = new ArrayList<>(springArgs);
        args.remove("--no-web");
        args.add("--spring.main.web-application-type=none");
        args.add("--rsna22.worker.enabled=true");
        if (concurrency != null) {
            Concurrency c;
            try {
                c = Concurrency.parse(concurrency);
            } catch (IllegalArgumentException e) {
                return usage("--concurrency: " + e.getMessage());
            }
            String devices = args.stream().filter(a -> a.startsWith("--rsna22.devices=")).reduce((a, b) -> b)
                    .map(a -> a.substring("--rsna22.devices=".length())).orElse("auto");
            int n = c.count() > 0 ? c.count() : DevicePool.of(devices, Engines::gpuCount).size();
            args.add("--rsna22.worker.concurrency=" + n);
            out.printf("worker: %d partition%s at once (--concurrency %s)%n", n, n == 1 ? "" : "s", concurrency);
        }
        ConfigurableApplicationContext ctx;
        try {
            ctx = new SpringApplicationBuilder(Rsna22Application.class).registerShutdownHook(false)
                    .run(args.toArray(String[]::new));
        } catch (RuntimeException e) {
            err().println("error: the worker did not start: " + (reachesNoDatabase(e)
                    ? "cannot reach the job repository " + repository(args) + ": " : "") + IoErrors.rootMessage(e));
            err().flush();
            return JobLauncherSupport.FAILED;
        }
        try {
            String broker = brokerProblem(ctx);
            if (broker != null) {
                err().println("error: the worker did not start: " + broker);
                err().flush();
                return JobLauncherSupport.FAILED;
            }
            try {
                ctx.getBean(DevicePool.class).size(); // a CUDA build without a usable GPU stops here
                out.printf("worker: devices %s%n", String.join(", ", ctx.getBean(DevicePool.class).slots().stream()
                        .map(DevicePool.Slot::name).toList()));
            } catch (IllegalStateException e) {
                err().println("error: " + e.getMessage());
                err().flush();
                ctx.close();
                return JobLauncherSupport.FAILED;
            }
            PartitionWorker worker = ctx.getBean(PartitionWorker.class);
            Lifecycle polling = ctx.getBean("partitionWorkerFlow", Lifecycle.class);
            polling.start();
            CountDownLatch stop = new CountDownLatch(1);
            SignalStop signals = new SignalStop(stop, out);
            Environment env = ctx.getEnvironment();
            out.printf("worker %d on %s ready: queue %s on %s:%s, job repository %s, %s partition(s) at once%n",
                    ProcessHandle.current().pid(), JobOwnerListener.hostName(),
                    env.getProperty("rsna22.remote-queue", "rsna22.partitions"),
                    env.getProperty("spring.rabbitmq.host", "localhost"), env.getProperty("spring.rabbitmq.port", "5672"),
                    env.getProperty("spring.datasource.url"), env.getProperty("rsna22.worker.concurrency", "1"));
            allocatorNote(null);
            out.flush();
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            polling.stop();
            int asked = worker.stopRunning();
            if (asked > 0) {
                out.printf("stopping %d running partition(s) at their next commit...%n", asked);
                out.flush();
            }
            while (worker.runningCount() > 0) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            signals.uninstall();
            out.println("worker stopped");
            out.flush();
            return JobLauncherSupport.COMPLETED;
        } finally {
            ctx.close();
        }
    }

    /** Whether the start failed because the job repository's database could not be reached or refused the login. */
    private static boolean reachesNoDatabase(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException || t instanceof CannotGetJdbcConnectionException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The job repository's address as the worker was given it, without anything after '?' or a user:password@ part:
     * what a log line may show.
     */
    static String repository(List<String> args) {
        String url = null;
        for (String a : args) {
            for (String key : new String[] {"--rsna22.db.url=", "--spring.datasource.url="}) {
                if (a.startsWith(key)) {
                    url = a.substring(key.length());
                }
            }
        }
        if (url == null) {
            url = System.getenv("RSNA22_DB_URL");
        }
        if (url == null) {
            url = args.stream().anyMatch(a -> a.startsWith("--spring.profiles.active=") && a.contains("postgres"))
                    ? "jdbc:postgresql://127.0.0.1:5432/rsna22" : "(the local H2 database)";
        }
        return url.replaceFirst("\\?.*$", "").replaceFirst("//[^/@]*@", "//");
    }

    /**
     * Why the worker cannot use the broker (unreachable, or refusing its login), or null: one connection is opened
     * before the worker says it is ready, so that a wrong host, port or password ends the start in one line instead
     * of a listener retrying forever. The password is never part of it.
     */
    private static String brokerProblem(ConfigurableApplicationContext ctx) {
        ConnectionFactory factory;
        try {
            factory = ctx.getBean(ConnectionFactory.class);
        } catch (BeansException e) {
            return null;
        }
        try (Connection c = factory.createConnection()) {
            return c.isOpen() ? null : "cannot reach the broker at " + factory.getHost() + ":" + factory.getPort();
        } catch (AmqpException e) {
            return "cannot reach the broker at " + factory.getHost() + ":" + factory.getPort() + " as user "
                    + factory.getUsername() + ": " + IoErrors.rootMessage(e);
        }
    }

    /** The first SIGTERM/SIGINT releases the latch; a second one exits at once. */
    private static final class SignalStop {
        private final Signal[] signals = {new Signal("TERM"), new Signal("INT")};
        private final SignalHandler[] previous = new SignalHandler[2];

        SignalStop(CountDownLatch stop, PrintWriter out) {
            for (int i = 0; i < signals.length; i++) {
                previous[i] = Signal.handle(signals[i], s -> {
                    if (stop.getCount() == 0) {
                        Runtime.getRuntime().halt(128 + s.getNumber());
                    }
                    out.printf("SIG%s: the worker takes no more partitions%n", s.getName());
                    out.flush();
                    stop.countDown();
                });
            }
        }

        void uninstall() {
            for (int i = 0; i < signals.length; i++) {
                Signal.handle(signals[i], previous[i]);
            }
        }
    }
}
