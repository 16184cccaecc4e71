package org.rsna22.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobLauncherSupportTest {

    /** A stand-in for Spring's start that fails as Tomcat does while {@code taken} is the port asked for. */
    private static final class Start implements java.util.function.Function<String[], String> {
        final String taken;
        final List<List<String>> calls = new ArrayList<>();

        Start(String taken) {
            this.taken = taken;
        }

        @Override
        public String apply(String[] args) {
            calls.add(List.of(args));
            if (List.of(args).contains(taken)) {
                throw new IllegalStateException("Failed to start bean 'webServerStartStop'",
                        new BindException("Address already in use"));
            }
            return "started with " + String.join(" ", args);
        }
    }

    @Test
    void theDefaultPortTakenByAJobStartedAtTheSameMomentFallsBackToAFreePort() {
        Start start = new Start("--server.port=8022");
        List<String> args = new ArrayList<>(List.of("--rsna22.db-dir=x", "--server.port=8022"));
        assertThat(JobLauncherSupport.startOnAFreePort(start, args, List.of("--rsna22.db-dir=x")))
                .isEqualTo("started with --rsna22.db-dir=x --server.port=0");
        assertThat(start.calls).containsExactly(List.of("--rsna22.db-dir=x", "--server.port=8022"),
                List.of("--rsna22.db-dir=x", "--server.port=0"));
        assertThat(args).as("what the error message names if the start fails later").contains("--server.port=0");
    }

    @Test
    void aPortTheUserChoseIsNeverChangedAndOtherFailuresAreNotRetried() {
        Start taken = new Start("--server.port=8022");
        assertThatThrownBy(() -> JobLauncherSupport.startOnAFreePort(taken,
                new ArrayList<>(List.of("--server.port=8022")), List.of("--server.port=8022")))
                .hasRootCauseMessage("Address already in use");
        assertThat(taken.calls).hasSize(1);

        java.util.function.Function<String[], String> broken = a -> {
            throw new IllegalStateException("no job repository");
        };
        assertThatThrownBy(() -> JobLauncherSupport.startOnAFreePort(broken,
                new ArrayList<>(List.of("--server.port=8022")), List.of())).hasMessage("no job repository");
    }
}
