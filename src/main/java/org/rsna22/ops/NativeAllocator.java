package org.rsna22.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which malloc serves PyTorch's native memory in this process. glibc's hands every large freed tensor straight back to
 * the kernel and faults it in again on the next batch; on a virtual machine whose page faults are dear that is most of
 * the run (infer-bbox at 512 pixels: 100 % system time, 4.3x the wall time of jemalloc on the 2-core VM, see
 * docs/benchmarks.md). The allocator is chosen when the process starts (LD_PRELOAD), so a running JVM can only say so:
 * the {@code ./rsna22} launcher, the Docker image and the benchmarks' child processes preload jemalloc.
 */
public final class NativeAllocator {

    /** Where Debian, Ubuntu, Fedora and Alpine install jemalloc's library. */
    static final List<Path> JEMALLOC = List.of(Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"),
            Path.of("/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"), Path.of("/usr/lib64/libjemalloc.so.2"),
            Path.of("/usr/lib/libjemalloc.so.2"));

    private NativeAllocator() {
    }

    /** "jemalloc", "tcmalloc", "mimalloc" when one is mapped into this process, "glibc" on other Linux, else "system". */
    public static String inUse() {
        return inUse(System.getProperty("os.name", ""), Path.of("/proc/self/maps"));
    }

    static String inUse(String os, Path maps) {
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            return "system";
        }
        try {
            String text = Files.readString(maps);
            for (String name : new String[] {"jemalloc", "tcmalloc", "mimalloc"}) {
                if (text.contains("lib" + name)) {
                    return name;
                }
            }
            return text.contains("musl") ? "system" : "glibc";
        } catch (IOException | RuntimeException e) {
            return "system";
        }
    }

    /** The library to preload, if one of the usual places has it. */
    public static Optional<Path> jemalloc() {
        return JEMALLOC.stream().filter(Files::isRegularFile).findFirst();
    }

    /**
     * One line for a user who starts a job with glibc's malloc: what it costs and how to start with jemalloc; empty
     * when another allocator serves the process (or glibc was chosen on purpose: RSNA22_MALLOC=glibc).
     */
    public static Optional<String> advice() {
        if (!"glibc".equals(inUse()) || "glibc".equals(System.getenv("RSNA22_MALLOC"))) {
            return Optional.empty();
        }
        return Optional.of(advice(jemalloc()));
    }

    static String advice(Optional<Path> jemalloc) {
        return "note: PyTorch's memory comes from glibc's malloc in this process, which returns each batch's tensors to "
                + "the kernel and faults them in again (4.3x slower infer-bbox on a 2-core VM where page faults are dear); "
                + jemalloc.map(p -> "start with ./rsna22 COMMAND, or LD_PRELOAD=" + p + " java -jar ...")
                        .orElse("install jemalloc (Debian: libjemalloc2) and start with ./rsna22 COMMAND")
                + " (RSNA22_MALLOC=glibc silences this)";
    }
}
