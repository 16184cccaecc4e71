package org.rsna22.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.FolderManifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trained model's weights on disk: saved by atomic rename with a manifest (size and SHA-256 of every file) written
 * last, and verified against it before they are loaded, so that a damaged model is left out with its reason instead
 * of failing every prediction it was asked for.
 */
public final class SavedModels {

    /** The manifest of a model or checkpoint folder. */
    public static final String MANIFEST = "manifest.sha256";

    private static final Logger LOG = LoggerFactory.getLogger(SavedModels.class);
    /** Folders already verified in this process, by their files' names, sizes and modification times. */
    private static final Set<String> VERIFIED = ConcurrentHashMap.newKeySet();

    private SavedModels() {
    }

    /** Saves the model's parameters into {@code dir} (replacing it as a whole), the manifest last. */
    public static void save(Model model, Path dir, String name) throws IOException {
        AtomicFiles.writeFolder(dir, tmp -> {
            model.save(tmp, name);
            FolderManifest.write(tmp, MANIFEST);
        });
    }

    /**
     * Why the saved model in {@code dir} cannot be trusted (its file and "checksum mismatch", a missing file, no
     * folder), or null when it matches its manifest. A folder saved before manifests existed is accepted with a
     * warning: it was written by atomic rename, so it is whole unless damaged since.
     */
    public static String problem(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return dir + " is missing";
        }
        if (!Files.isRegularFile(dir.resolve(MANIFEST))) {
            LOG.warn("{} has no {}: saved before model manifests, so it is not verified", dir, MANIFEST);
            return null;
        }
        String stamp = stamp(dir);
        if (VERIFIED.contains(stamp)) {
            return null;
        }
        String problem = FolderManifest.problem(dir, MANIFEST);
        if (problem == null) {
            VERIFIED.add(stamp);
            return null;
        }
        return problem;
    }

    /**
     * Loads verified weights into {@code model} (whose block is set). A damaged folder is a
     * {@link DamagedModelException}; weights that do not fit the block (a network of another config) an
     * IllegalStateException: neither is a problem of one study, so neither may be skipped as one.
     */
    public static void load(Model model, Path dir, String name) throws IOException {
        String problem = problem(dir);
        if (problem != null) {
            throw new DamagedModelException(problem);
        }
        try {
            model.load(dir, name);
        } catch (MalformedModelException e) {
            throw new IllegalStateException(dir + ": the saved " + name + " model does not fit the network of the "
                    + "config (" + e.getMessage() + "); was it trained with another config?", e);
        }
    }

    /** The runs of a list whose saved model verifies, and the others with their reasons. */
    public record Usable(List<RunFolder> runs, List<String> leftOut) {
    }

    public static Usable usable(List<RunFolder> runs) throws IOException {
        List<RunFolder> ok = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        for (RunFolder r : runs) {
            String problem = problem(r.model());
            if (problem == null) {
                ok.add(r);
            } else {
                LOG.warn("left out of the ensemble: {}", problem);
                leftOut.add(problem);
            }
        }
        return new Usable(ok, leftOut);
    }

    /** What a user does about a damaged final model: its run's last checkpoint writes it again. */
    public static String remedy(String job) {
        return "delete the damaged run's model/ folder and run " + job + " again with the same config: the run's "
                + "last checkpoint writes its model again";
    }

    private static String stamp(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder(dir.toAbsolutePath().normalize().toString());
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.sorted().toList()) {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                sb.append('|').append(f.getFileName()).append(':').append(a.size()).append(':')
                        .append(a.lastModifiedTime().toMillis());
            }
        }
        return sb.toString();
    }

    /** Saved weights that do not match their manifest. */
    public static final class DamagedModelException extends IllegalStateException {
        public DamagedModelException(String problem) {
            super(problem);
        }
    }
}
