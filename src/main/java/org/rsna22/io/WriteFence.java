package org.rsna22.io;

/**
 * The last word before a partition's output becomes visible. A remote worker sets a check for the thread that runs
 * a partition ({@link #during}); every atomic write, folder replacement and deletion of {@link AtomicFiles}, and every
 * part-file commit, asks it first. The check asks the job repository whether the partition is still this
 * worker's: a worker that paused (a long GC, a suspended VM, a network partition) past the point where the manager
 * gave its partition up finds it FAILED there, and is fenced off: {@link FencedOffException}, nothing written.
 * Without a check (a job run in one process) nothing is asked.
 */
public final class WriteFence {

    /** Throws {@link FencedOffException} when the partition of the current thread is no longer this process's. */
    @FunctionalInterface
    public interface Check {
        void verify();
    }

    /** A write refused because the repository gave the partition up. */
    public static final class FencedOffException extends IllegalStateException {
        public FencedOffException(String message) {
            super(message);
        }
    }

    private static final InheritableThreadLocal<Check> CHECK = new InheritableThreadLocal<>();

    private WriteFence() {
    }

    /** Runs {@code work} with {@code check} guarding the writes of this thread (and of threads it starts). */
    public static void during(Check check, Runnable work) {
        Check before = CHECK.get();
        CHECK.set(check);
        try {
            work.run();
        } finally {
            if (before == null) {
                CHECK.remove();
            } else {
                CHECK.set(before);
            }
        }
    }

    /** Before an output is written, replaced or deleted: throws when this thread's partition was given up. */
    public static void check() {
        Check c = CHECK.get();
        if (c != null) {
            c.verify();
        }
    }
}
