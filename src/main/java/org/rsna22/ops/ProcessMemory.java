package org.rsna22.ops;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What this process holds in memory: its resident set from the kernel (/proc/self/status, so DJL's native tensors
 * count) and the Java heap from the JVM; printed at the end of every job and read by {@code bench scale}.
 */
public final class ProcessMemory {

    private static final double MIB = 1024.0 * 1024;

    private ProcessMemory() {
    }

    /** Peak resident set (VmHWM) in bytes, or -1 where /proc does not say (not Linux). */
    public static long peakResident() {
        return status(Path.of("/proc/self/status"), "VmHWM:");
    }

    /** A process's resident set now (VmRSS) in bytes, or -1 when it cannot be read (gone, not Linux). */
    public static long resident(long pid) {
        return status(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
    }

    /** The largest heap use of each heap pool since the start, summed: an upper bound of the peak Java heap. */
    public static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** The line a job ends with: "memory: peak resident N MiB (VmHWM), peak Java heap M MiB of X MiB". */
    public static String summary() {
        long rss = peakResident();
        return String.format(Locale.ROOT, "memory: peak resident %s (VmHWM, native memory included), peak Java heap "
                + "%.0f MiB of %.0f MiB", rss < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f MiB", rss / MIB),
                peakHeap() / MIB, Runtime.getRuntime().maxMemory() / MIB);
    }

    private static long status(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    String[] f = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024; // kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
