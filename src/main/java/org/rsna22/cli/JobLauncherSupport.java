package org.rsna22.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.rsna22.Rsna22Application;
import org.rsna22.batch.JobRequest;
import org.rsna22.batch.JobRunner;
import org.rsna22.io.IoErrors;
import org.rsna22.ops.ProcessMemory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Runs one job in a Spring application: web server for progress and metrics while it runs, a progress
 * line, a graceful stop on SIGTERM (the job ends STOPPED and can be restarted), and an exit code with the
 * reason in the last line.
 */
final class JobLauncherSupport {

    /** Exit codes: 0 completed, 1 failed, 2 bad command line, 3 stopped. */
    static final int COMPLETED = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int STOPPED = 3;

    static final int DEFAULT_PORT = 8022;
    private static final String DEFAULT_PORT_ARG = "--server.port=" + DEFAULT_PORT;

    private JobLauncherSupport() {
    }

    /** False (after printing the error) when the job name is not one of ours. */
    static boolean knownJob(String job, PrintWriter err) {
        if (job == null || JobRequest.JOBS.contains(job)) {
            return true;
        }
        err.println("error: unknown job '" + job + "'; jobs: " + String.join(", ", JobRequest.JOBS));
        err.flush();
        return false;
    }

    /** Parses key=value words; throws with the offending word. */
    static Map<String, String> keyValues(List<String> words) {
        Map<String, String> out = new LinkedHashMap<>();
        if (words == null) {
            return out;
        }
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + w + "' is not key=value; parameters: data=DIR work=DIR config=NAME");
            }
            out.put(w.substring(0, eq), w.substring(eq + 1));
        }
        return out;
    }

    /** How the application is started for a command. */
    record Launch(String job, boolean web, Map<String, Object> properties, List<String> springArgs,
                  PrintWriter out, PrintWriter err) {
    }

    /**
     * Starts the application, then asks {@code action} for the execution to run (it runs the job and returns
     * its execution, or throws IllegalStateException/IllegalArgumentException with a message for the user).
     */
    static int run(Launch launch, Function<JobRunner, JobExecution> action) {
        ProcessMemory.trackLiveHeap();
        PrintWriter out = launch.out();
        PrintWriter err = launch.err();
        Map<String, Object> props = new HashMap<>(launch.properties());
        List<String> args = new ArrayList<>(launch.springArgs());
        boolean web = launch.web() && webPort(args);
        String logFile = logging(args, props);
        // as arguments, not default properties: they must win over application.yaml
        args.add("--spring.main.web-application-type=" + (web ? "servlet" : "none"));
        ConfigurableApplicationContext ctx;
        try {
            ctx = startOnAFreePort(a -> new SpringApplicationBuilder(Rsna22Application.class).properties(props)
                    .registerShutdownHook(false).run(a), args, launch.springArgs());
        } catch (RuntimeException e) {
            String why = IoErrors.rootMessage(e);
            String port = args.stream().filter(a -> a.startsWith("--server.port=")).reduce((a, b) -> b)
                    .map(a -> a.substring("--server.port=".length())).orElse("?");
            err.println("error: the application did not start: " + (why.contains("Address already in use")
                    ? "port " + port + " is taken by another program; choose another with --server.port=N, or --no-web"
                    : why));
            err.flush();
            return FAILED;
        }
        GracefulStop stop = GracefulStop.install(ctx, launch.job(), out);
        ProgressPrinter printer = null;
        try {
            if (web && ctx instanceof WebServerApplicationContext w) {
                out.printf("progress: http://localhost:%d/actuator/progress  (health open; metrics, prometheus need "
                        + "the credentials)%n", w.getWebServer().getPort());
                out.flush();
            }
            printer = ProgressPrinter.start(ctx, launch.job(), out);
            JobExecution e;
            try {
                e = action.apply(ctx.getBean(JobRunner.class));
            } catch (IllegalArgumentException | IllegalStateException ex) {
                err.println("error: " + ex.getMessage());
                err.flush();
                return ex instanceof IllegalArgumentException ? USAGE : FAILED;
            } finally {
                printer.stop();
            }
            JobRunner runner = ctx.getBean(JobRunner.class);
            runner.summary(e).forEach(out::println);
            out.println(ProcessMemory.summary());
            if (e.getStatus() == BatchStatus.FAILED && logFile != null) {
                out.println("stack traces: " + logFile + " (or run again with --debug)");
            }
            int code = report(e, runner.failureReason(e), out);
            linger(ctx);
            return code;
        } catch (RuntimeException ex) {
            err.println("error: " + IoErrors.rootMessage(ex));
            err.flush();
            return FAILED;
        } finally {
            stop.uninstall();
            ctx.close();
        }
    }

    private static int report(JobExecution e, String reason, PrintWriter out) {
        String job = e.getJobInstance().getJobName();
        String work = e.getJobParameters().getString("work");
        if (e.getStatus() == BatchStatus.COMPLETED) {
            out.printf("%s COMPLETED; outputs in %s%n", job, work);
            out.flush();
            return COMPLETED;
        }
        if (e.getStatus() == BatchStatus.STOPPED) {
            out.printf("%s STOPPED (execution %d); continue it with: restart %s%n", job, e.getId(), job);
            out.flush();
            return STOPPED;
        }
        out.printf("%s %s (execution %d): %s; fix the cause, then: restart %s%n", job, e.getStatus(), e.getId(),
                reason, job);
        out.flush();
        return FAILED;
    }

    /** Keeps serving metrics for rsna22.web.linger-seconds after the job (for a last scrape). */
    private static void linger(ConfigurableApplicationContext ctx) {
        long seconds = ctx.getEnvironment().getProperty("rsna22.web.linger-seconds", Long.class, 0L);
        if (seconds > 0 && ctx instanceof WebServerApplicationContext) {
            try {
                Thread.sleep(seconds * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Where the log goes: the console says what happens in plain lines, without stack traces (they bury the reason);
     * the log file (logs/rsna22.log in the work folder for {@code run}, else beside the job database) has them, and
     * {@code --debug} prints them on the console too. Returns the log file.
     */
    static String logging(List<String> args, Map<String, Object> props) {
        if (args.remove("--debug")) {
            args.add("--logging.pattern.console=%d{HH:mm:ss} %-5level %msg%n");
        }
        for (String a : args) {
            if (a.startsWith("--logging.file.name=")) {
                return a.substring("--logging.file.name=".length());
            }
        }
        Object given = props.get("logging.file.name");
        if (given != null) {
            return given.toString();
        }
        String db = args.stream().filter(a -> a.startsWith("--rsna22.db-dir=")).reduce((a, b) -> b)
                .map(a -> a.substring("--rsna22.db-dir=".length())).orElse("data/db");
        String file = Path.of(db).toAbsolutePath().normalize().resolve("rsna22.log").toString();
        args.add("--logging.file.name=" + file);
        return file;
    }

    /**
     * Decides the web port: --no-web or server.port=0 disable the server; without a port the default
     * 8022 is used, or a free port when 8022 is taken (another job runs here).
     */
    private static boolean webPort(List<String> args) {
        if (args.remove("--no-web")) {
            return false;
        }
        for (String a : args) {
            if (a.startsWith("--server.port=")) {
                return !a.substring("--server.port=".length()).trim().equals("0");
            }
        }
        args.add(portFree(DEFAULT_PORT) ? DEFAULT_PORT_ARG : "--server.port=0");
        return true;
    }

    /**
     * Starts the application with {@code args}. When this process chose the default port itself (it is in
     * {@code args} but not in what the user {@code given}) and another job took it between the check and the web
     * server's start, as when a script starts two jobs at once, it starts again on a free port instead of failing; a
     * port the user chose is never changed.
     */
    static <T> T startOnAFreePort(Function<String[], T> start, List<String> args, List<String> given) {
        boolean auto = args.contains(DEFAULT_PORT_ARG) && !given.contains(DEFAULT_PORT_ARG);
        try {
            return start.apply(args.toArray(String[]::new));
        } catch (RuntimeException e) {
            if (!auto || !IoErrors.rootMessage(e).contains("Address already in use")) {
                throw e;
            }
            args.remove(DEFAULT_PORT_ARG);
            args.add("--server.port=0");
            return start.apply(args.toArray(String[]::new));
        }
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

}
