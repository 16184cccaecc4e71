package org.rsna22.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes files under a temporary name and renames them when complete, so no reader sees half a file. A partition
 * that a remote worker runs asks its {@link WriteFence} before a file or folder becomes visible or is deleted.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Something that writes the content of a file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void write(Path target, Content content) throws IOException {
        try {
            writeAtomically(target, content);
        } catch (IOException e) {
            throw writeFailure(target, e);
        }
    }

    /**
     * A failed write with the reason a user can act on: "no space left on DIR (writing FILE)" when the file system is
     * full, else {@code e} itself (which names its file or comes from the content).
     */
    public static IOException writeFailure(Path target, IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No space left on device")) {
                Path dir = target.toAbsolutePath().getParent();
                return new IOException("no space left on " + dir + " (writing " + target.getFileName()
                        + "); free space there, then restart the job", e);
            }
        }
        return e;
    }

    private static void writeAtomically(Path target, Content content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                content.writeTo(out);
            }
            WriteFence.check();
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Something that fills a folder. */
    @FunctionalInterface
    public interface FolderContent {
        void writeInto(Path dir) throws IOException;
    }

    /**
     * Fills a temporary sibling folder and renames it to {@code target} when complete, replacing what was there:
     * a reader sees the old folder, or the whole new one.
     */
    public static void writeFolder(Path target, FolderContent content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        WriteFence.check(); // before the temporary folder, whose name a new attempt of the partition shares
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            content.writeInto(tmp);
            WriteFence.check();
            deleteTree(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw writeFailure(target, e);
        }
    }

    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Deletes a folder and everything below it; nothing happens when it does not exist. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        WriteFence.check();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
