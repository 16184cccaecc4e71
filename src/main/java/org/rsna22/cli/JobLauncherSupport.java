package org.rsna22.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rsna22.Rsna22Application;
import org.rsna22.batch.JobRunner;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the Spring application, runs one job and turns its outcome into an exit code and a last line. */
final class JobLauncherSupport {

    /** Exit codes: 0 completed, 1 failed or stopped, 2 bad command line. */
    static final int COMPLETED = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private JobLauncherSupport() {
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

    static int run(String job, Map<String, String> params, Map<String, Object> properties, String[] springArgs,
                   PrintWriter out, PrintWriter err) {
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(Rsna22Application.class)
                .properties(properties).run(springArgs)) {
            JobRunner runner = ctx.getBean(JobRunner.class);
            JobParameters p;
            try {
                p = runner.parameters(job, params);
            } catch (IllegalArgumentException e) {
                err.println("error: " + e.getMessage());
                err.flush();
                return USAGE;
            }
            out.printf("running %s: data=%s work=%s config=%s%n", job, p.getString("data"), p.getString("work"),
                    p.getString("config"));
            out.flush();
            JobExecution e;
            try {
                e = runner.run(job, p, out);
            } catch (IllegalStateException ex) {
                err.println("error: " + ex.getMessage());
                err.flush();
                return FAILED;
            }
            JobRunner.summary(e).forEach(out::println);
            if (e.getStatus() == BatchStatus.COMPLETED) {
                out.printf("%s COMPLETED; outputs in %s%n", job, p.getString("work"));
                out.flush();
                return COMPLETED;
            }
            out.printf("%s %s: %s%n", job, e.getStatus(), reason(e));
            out.printf("fix the cause, then run the same command again (or: restart %s) to resume%n", job);
            out.flush();
            return FAILED;
        } catch (Exception e) {
            err.println("error: " + rootMessage(e));
            err.flush();
            return FAILED;
        }
    }

    static String reason(JobExecution e) {
        List<Throwable> failures = e.getAllFailureExceptions();
        if (failures.isEmpty()) {
            return e.getExitStatus().getExitDescription();
        }
        return rootMessage(failures.get(0));
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
