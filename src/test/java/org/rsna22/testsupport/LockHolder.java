package org.rsna22.testsupport;

import java.nio.file.Path;
import org.rsna22.io.FolderLock;

/** A separate process that takes a folder lock, says so on stdout, and holds it until it is killed. */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        FolderLock lock = FolderLock.acquire(Path.of(args[0]), "a test's lock holder");
        System.out.println("locked");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
        lock.close();
    }
}
