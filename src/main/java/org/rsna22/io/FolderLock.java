package org.rsna22.io;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * An exclusive lock on a folder: an OS file lock on a lock file that names its owner (host, pid, what it runs,
 * since when). A second process asking for a held lock is refused with the owner's line. The OS drops the lock when
 * its process dies (even by kill -9), so a stale lock file is taken over. Within one process the lock is re-entrant
 * (a pipeline's stages run inside the pipeline's hold).
 */
public final class FolderLock implements AutoCloseable {

    private static final Map<Path, Held> HELD = new HashMap<>();

    private final Path file;

    private FolderLock(Path file) {
        this.file = file;
    }

    private static final class Held {
        final FileChannel channel;
        final FileLock lock;
        int count;

        Held(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }
    }

    /**
     * Takes the lock held in {@code file} for {@code what}; throws IllegalStateException naming the owner when another
     * live process holds it.
     */
    public static FolderLock acquire(Path file, String what) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        synchronized (HELD) {
            Held held = HELD.get(key);
            if (held != null) {
                held.count++;
                return new FolderLock(key);
            }
            Files.createDirectories(key.getParent());
            FileChannel ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            if (lock == null) {
                String owner = owner(ch);
                ch.close();
                throw new IllegalStateException(key.getParent() + " is in use by another job: " + owner
                        + ". Wait for it (see: status), or use another work= folder.");
            }
            String line = String.format("host=%s pid=%d since=%s running %s%n", hostName(), ProcessHandle.current().pid(),
                    Instant.now(), what);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            Held h = new Held(ch, lock);
            h.count = 1;
            HELD.put(key, h);
            return new FolderLock(key);
        }
    }

    private static String owner(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(512);
            int n = ch.read(b, 0);
            String s = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? "a process that has not written its name yet" : s;
        } catch (IOException e) {
            return "a process whose lock file cannot be read (" + e.getMessage() + ")";
        }
    }

    /** This machine's name, as a lock file and a job execution record their owner ("unknown" if it has none). */
    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Releases this hold; the last hold of the process releases the OS lock. The file stays (it names no one). */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            Held held = HELD.get(file);
            if (held == null || --held.count > 0) {
                return;
            }
            HELD.remove(file);
            try {
                held.channel.truncate(0);
                held.lock.release();
            } finally {
                held.channel.close();
            }
        }
    }
}
