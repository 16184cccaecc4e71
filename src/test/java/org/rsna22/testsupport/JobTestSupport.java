package org.rsna22.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.rsna22.batch.JobRunner;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/** Helpers for tests that run jobs in-process against an in-memory job repository. */
public final class JobTestSupport {
    private JobTestSupport() {
    }

    /** Replaces the DICOM source with one whose failure a test can arm. */
    @TestConfiguration
    public static class FailingSourceConfig {
        @Bean
        @Primary
        public FailingDicomSource failingDicomSource() {
            return new FailingDicomSource();
        }
    }

    public static JobExecution run(JobRunner runner, String job, Path data, Path work, String config) throws Exception {
        return runner.run(job, runner.parameters(job, Map.of("data", data.toString(), "work", work.toString(),
                "config", config)), new PrintWriter(new StringWriter()));
    }

    /** A job with any key=value parameters (the pipeline's test=DIR too). */
    public static JobExecution run(JobRunner runner, String job, Map<String, String> params) throws Exception {
        return runner.run(job, runner.parameters(job, params), new PrintWriter(new StringWriter()));
    }

    /** A failure with the messages of all its causes, for assertions on the root reason. */
    public static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append(" <- ");
        }
        return sb.toString();
    }

    /**
     * Every step of the execution counts as many skips as skipped.csv has rows of it (a partitioned step's
     * partitions are counted in the step).
     */
    public static void assertSkipCountsMatch(JobExecution e, Path skippedCsv) throws IOException {
        Map<String, Long> rows = Files.readAllLines(skippedCsv).stream().skip(1).filter(l -> !l.isBlank())
                .collect(Collectors.groupingBy(l -> l.substring(0, l.indexOf(',')), Collectors.counting()));
        for (StepExecution s : e.getStepExecutions()) {
            if (!s.getStepName().contains(":")) {
                assertThat((long) s.getSkipCount()).as("skips of " + s.getStepName() + " and its rows in " + skippedCsv)
                        .isEqualTo(rows.getOrDefault(s.getStepName(), 0L));
            }
        }
    }

    public static byte[] bytes(Path p) throws IOException {
        return Files.readAllBytes(p);
    }
}
