package org.rsna22.ops;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Structure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which malloc serves PyTorch's native memory in this process. glibc's hands every large freed tensor straight back to
 * the kernel and faults it in again on the next batch; on a virtual machine whose page faults are dear that is most of
 * the run (infer-bbox at 512 pixels: 100 % system time, 4.3x the wall time of jemalloc on the 2-core VM, see
 * docs/benchmarks.md). The allocator is chosen when the process starts (LD_PRELOAD), so a running JVM can only say so:
 * the {@code ./rsna22} launcher, the Docker image and the benchmarks' child processes preload jemalloc.
 */
public final class NativeAllocator {

    /** jemalloc's settings that keep freed pages for the next batch, as {@link #preloadJemalloc} and ./rsna22 set. */
    static final String KEEP_PAGES = "dirty_decay_ms:-1,muzzy_decay_ms:-1";

    /** Where Debian, Ubuntu, Fedora and Alpine install jemalloc's library. */
    static final List<Path> JEMALLOC = List.of(Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"),
            Path.of("/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"), Path.of("/usr/lib64/libjemalloc.so.2"),
            Path.of("/usr/lib/libjemalloc.so.2"));

    private NativeAllocator() {
    }

    private static volatile String inUse;

    /** "jemalloc", "tcmalloc", "mimalloc" when one is mapped into this process, "glibc" on other Linux, else "system". */
    public static String inUse() {
        String known = inUse;
        if (known == null) {
            known = inUse(System.getProperty("os.name", ""), Path.of("/proc/self/maps"));
            inUse = known; // preloaded or not, the allocator does not change while the process lives
        }
        return known;
    }

    /**
     * The bytes of native memory the allocator has handed out and not had back: what is live, without what it keeps
     * in reserve or has fragmented (which the resident set counts). jemalloc's {@code stats.allocated}; glibc's
     * {@code mallinfo2} (chunks in use in every arena plus mapped ones); -1 where neither answers.
     */
    public static long allocatedBytes() {
        try {
            return switch (inUse()) {
                case "jemalloc" -> jemallocAllocated();
                case "glibc" -> glibcAllocated();
                default -> -1;
            };
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    private static long jemallocAllocated() {
        Function mallctl = NativeLibrary.getProcess().getFunction("mallctl");
        Memory epoch = new Memory(8);
        epoch.setLong(0, 1);
        mallctl.invokeInt(new Object[] {"epoch", null, null, epoch, 8L}); // refreshes the statistics
        Memory value = new Memory(8);
        Memory length = new Memory(8);
        length.setLong(0, 8);
        int rc = mallctl.invokeInt(new Object[] {"stats.allocated", value, length, null, 0L});
        return rc == 0 ? value.getLong(0) : -1;
    }

    private static long glibcAllocated() {
        MallInfo2 m = (MallInfo2) NativeLibrary.getInstance("c").getFunction("mallinfo2").invoke(MallInfo2.class,
                new Object[0]);
        return m.uordblks + m.hblkhd;
    }

    /** glibc's {@code struct mallinfo2} (2.33 and later), returned by value. */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost"})
    public static class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;
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
     * For a process of this application that this one starts (a benchmark's stage, a test's jar): jemalloc preloaded
     * with its freed pages kept, as the {@code ./rsna22} launcher does, unless {@code env} already sets LD_PRELOAD
     * (an empty one runs on glibc's malloc) or chooses glibc's (RSNA22_MALLOC=glibc), or jemalloc is not installed.
     */
    public static void preloadJemalloc(Map<String, String> env) {
        Optional<Path> lib = jemalloc();
        if (lib.isPresent() && !env.containsKey("LD_PRELOAD") && !"glibc".equals(env.get("RSNA22_MALLOC"))) {
            env.put("LD_PRELOAD", lib.get().toString());
            env.put("MALLOC_CONF", KEEP_PAGES);
        }
    }

    /**
     * The command line that starts this process again with jemalloc (to be run with {@link #preloadJemalloc} on its
     * environment): present when this process runs on glibc's malloc, was started as {@code java ... -jar FILE.jar},
     * jemalloc is installed, and neither LD_PRELOAD nor RSNA22_MALLOC=glibc is set. For a long command whose every
     * minute is PyTorch (the demo), so that the README's plain {@code java -jar} gets the fast allocator too.
     */
    public static Optional<List<String>> restartCommand() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        return restartCommand(inUse(), System.getenv(), jemalloc(), System.getProperty("sun.java.command", ""),
                info.command(), info.arguments());
    }

    static Optional<List<String>> restartCommand(String inUse, Map<String, String> env, Optional<Path> jemalloc,
                                                 String javaCommand, Optional<String> command,
                                                 Optional<String[]> arguments) {
        String first = javaCommand.split(" ", 2)[0];
        if (!"glibc".equals(inUse) || env.containsKey("LD_PRELOAD") || "glibc".equals(env.get("RSNA22_MALLOC"))
                || jemalloc.isEmpty() || !first.endsWith(".jar") || command.isEmpty() || arguments.isEmpty()) {
            return Optional.empty();
        }
        List<String> line = new ArrayList<>();
        line.add(command.get());
        line.addAll(List.of(arguments.get()));
        return Optional.of(line);
    }

    /**
     * One line for a user who starts a job with glibc's malloc, or with jemalloc at its default of returning freed
     * pages after 10 seconds: what it costs and how to start as ./rsna22 does; empty when the process runs as
     * ./rsna22 starts it, on another allocator, or glibc was chosen on purpose (RSNA22_MALLOC=glibc).
     */
    public static Optional<String> advice() {
        if ("glibc".equals(System.getenv("RSNA22_MALLOC"))) {
            return Optional.empty();
        }
        return advice(inUse(), System.getenv("MALLOC_CONF"), jemalloc());
    }

    static Optional<String> advice(String inUse, String mallocConf, Optional<Path> jemalloc) {
        if ("glibc".equals(inUse)) {
            return Optional.of(advice(jemalloc));
        }
        if ("jemalloc".equals(inUse) && (mallocConf == null || !mallocConf.contains("dirty_decay_ms:-1"))) {
            return Optional.of("note: jemalloc serves PyTorch's memory here but returns freed pages to the kernel "
                    + "after 10 s (its default), and training faults them in again (M3's pretraining at 0.6 batches/s "
                    + "instead of 5.6 on a 2-core VM); set MALLOC_CONF=" + KEEP_PAGES + " as ./rsna22 does "
                    + "(RSNA22_MALLOC=glibc silences this)");
        }
        return Optional.empty();
    }

    static String advice(Optional<Path> jemalloc) {
        return "note: PyTorch's memory comes from glibc's malloc in this process, which returns each batch's tensors to "
                + "the kernel and faults them in again (4.3x slower infer-bbox on a 2-core VM where page faults are dear); "
                + jemalloc.map(p -> "start with ./rsna22 COMMAND, or LD_PRELOAD=" + p + " MALLOC_CONF=" + KEEP_PAGES
                                + " java -jar ...")
                        .orElse("install jemalloc (Debian: libjemalloc2) and start with ./rsna22 COMMAND")
                + " (RSNA22_MALLOC=glibc silences this)";
    }
}
