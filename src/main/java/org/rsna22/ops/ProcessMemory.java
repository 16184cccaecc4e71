package org.rsna22.ops;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * What this process holds in memory: its resident set from the kernel (/proc/self/status, so DJL's native tensors
 * count) and the Java heap from the JVM; printed at the end of every job and read by {@code bench scale}.
 */
public final class ProcessMemory {

    private static final double MIB = 1024.0 * 1024;
    private static final AtomicLong LIVE_PEAK = new AtomicLong(-1);
    private static boolean tracking;

    private ProcessMemory() {
    }

    /**
     * Starts following the heap left after each garbage collection (what is still referenced), whose largest value
     * {@link #peakLiveHeap} returns: unlike the pools' peak use, it does not count garbage that the collector had not
     * yet needed to collect, so it grows only when the program keeps more. Idempotent.
     */
    public static synchronized void trackLiveHeap() {
        if (tracking) {
            return;
        }
        tracking = true;
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((n, handback) -> {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                        return;
                    }
                    GarbageCollectionNotificationInfo info =
                            GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                    long after = 0;
                    for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                        if (heapPools.contains(e.getKey())) {
                            after += e.getValue().getUsed();
                        }
                    }
                    LIVE_PEAK.accumulateAndGet(after, Math::max);
                }, null, null);
            }
        }
    }

    /** The largest heap left after a garbage collection since {@link #trackLiveHeap}, or -1 before any collection. */
    public static long peakLiveHeap() {
        return LIVE_PEAK.get();
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

    /**
     * The line a job ends with: "memory: peak resident N MiB (VmHWM, ...), peak Java heap M MiB of X MiB, live after
     * collections at most L MiB" (the last part once {@link #trackLiveHeap} has seen a collection).
     */
    public static String summary() {
        long rss = peakResident();
        long live = peakLiveHeap();
        return String.format(Locale.ROOT, "memory: peak resident %s (VmHWM, native memory included), peak Java heap "
                + "%.0f MiB of %.0f MiB%s", rss < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f MiB", rss / MIB),
                peakHeap() / MIB, Runtime.getRuntime().maxMemory() / MIB,
                live < 0 ? "" : String.format(Locale.ROOT, ", live after collections at most %.0f MiB", live / MIB));
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
