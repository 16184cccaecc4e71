package org.rsna22.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rsna22.ops.NativeAllocator;

/** A process of this application's jar, as a benchmark starts one: the same Java, jemalloc where installed. */
final class ChildJvm {

    private ChildJvm() {
    }

    /** The jar this process runs from, for benchmarks that start more of it. */
    static String ownJar(String command) {
        String jar = System.getProperty("java.class.path");
        if (jar == null || !jar.endsWith(".jar") || jar.contains(File.pathSeparator)) {
            throw new IllegalStateException(command + " starts processes of the packaged jar: run it as java -jar "
                    + "target/rsna22.jar " + command);
        }
        return jar;
    }

    static Process start(Path jar, Path log, String... args) throws IOException {
        return start(List.of(), List.of(), Map.of(), jar.toString(), log, List.of(args));
    }

    /**
     * @param prefix  words before java (taskset -c N)
     * @param jvmArgs options of the JVM
     * @param env     environment variables beside this process's
     */
    static Process start(List<String> prefix, List<String> jvmArgs, Map<String, String> env, String jar, Path log,
                         List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", jar));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        NativeAllocator.preloadJemalloc(pb.environment()); // glibc's malloc slows PyTorch down
        return pb.start();
    }
}
