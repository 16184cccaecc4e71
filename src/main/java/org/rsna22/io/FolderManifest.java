package org.rsna22.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A manifest of a folder's files (size and SHA-256 of each), written last into the folder, so that a reader can tell
 * a complete folder from one cut short or damaged, and say which file is wrong.
 */
public final class FolderManifest {

    private FolderManifest() {
    }

    /** Writes {@code name} in {@code dir} listing every other regular file of it. */
    public static void write(Path dir, String name) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path f : files(dir, name)) {
            sb.append(Sha256.of(f)).append(' ').append(Files.size(f)).append(' ').append(f.getFileName()).append('\n');
        }
        Files.writeString(dir.resolve(name), sb.toString(), StandardCharsets.UTF_8);
    }

    /** Why the folder does not match its manifest (naming the file), or null when it does. */
    public static String problem(Path dir, String name) throws IOException {
        Path manifest = dir.resolve(name);
        if (!Files.isRegularFile(manifest)) {
            return dir + " has no " + name + " (written last): incomplete";
        }
        Set<String> listed = new HashSet<>();
        for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
            String[] f = line.split(" ", 3);
            if (f.length != 3) {
                return manifest + ": unreadable line '" + line + "'";
            }
            Path file = dir.resolve(f[2]);
            listed.add(f[2]);
            if (!Files.isRegularFile(file)) {
                return file + " is missing";
            }
            long size = Files.size(file);
            if (size != Long.parseLong(f[1])) {
                return file + " has " + size + " bytes, the manifest says " + f[1];
            }
            if (!Sha256.of(file).equals(f[0])) {
                return file + ": checksum mismatch (its SHA-256 differs from the manifest's): damaged";
            }
        }
        for (Path f : files(dir, name)) {
            if (!listed.contains(f.getFileName().toString())) {
                return f + " is not in the manifest";
            }
        }
        return null;
    }

    private static List<Path> files(Path dir, String manifest) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().equals(manifest)).sorted().toList());
        }
    }
}
