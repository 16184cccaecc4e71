package org.rsna22.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rsna22.ops.NativeAllocator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * What the commands that start the application (run, restart, status, demo) share: every argument that is not
 * theirs goes to Spring (--rsna22.db-dir=DIR, --spring.profiles.active=postgres, --server.port=N, --no-web), and
 * their output streams. A base class rather than a mixin: picocli honours {@code @Unmatched} only on the command
 * itself or its superclasses.
 */
abstract class LaunchingCommand {

    @Unmatched
    List<String> springArgs = new ArrayList<>();

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** How to start the application for {@code job}, with or without the progress web server. */
    JobLauncherSupport.Launch launch(String job, boolean web, Map<String, Object> properties) {
        return new JobLauncherSupport.Launch(job, web, properties, springArgs, out(), err());
    }

    /** Jobs whose time goes into PyTorch's native memory: a process running one with glibc's malloc says so. */
    private static final Set<String> TORCH_JOBS = Set.of("train-bbox", "infer-bbox", "train-fracture",
            "infer-fracture", "pipeline");

    /** One line on the error stream when {@code job} runs with glibc's malloc ({@link NativeAllocator}). */
    void allocatorNote(String job) {
        if (job == null || TORCH_JOBS.contains(job)) {
            NativeAllocator.advice().ifPresent(line -> {
                err().println(line);
                err().flush();
            });
        }
    }

    /** Prints a usage error and returns the exit code for it. */
    int usage(String message) {
        err().println("error: " + message);
        err().flush();
        return JobLauncherSupport.USAGE;
    }
}
