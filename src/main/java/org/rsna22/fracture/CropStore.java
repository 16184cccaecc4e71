package org.rsna22.fracture;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.CheckedFiles;
import org.rsna22.model.SliceWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads study crops from the cache, keeping the most recently used in memory, and turns them into the 3-slice
 * images of the sequence models: image i holds crop slices 3i, 3i+1, 3i+2 (the last repeats at the end), each
 * windowed after resizing (SPEC §6) and scaled to 0..1 by its own min and max. A cached crop that does not verify
 * (cut short, changed) is made again from its DICOM files when the store has a {@link Source}, with a log line
 * naming the file; without one, the error names the file.
 */
public final class CropStore {

    private static final Logger LOG = LoggerFactory.getLogger(CropStore.class);

    /** Makes a study's crop again from its DICOM files and writes it into the cache. */
    @FunctionalInterface
    public interface Source {
        StudyCrop make(String uid) throws IOException;
    }

    private final WorkLayout work;
    private final Subset subset;
    private final int size;
    private final double level;
    private final double width;
    private final Map<String, StudyCrop> recent;
    private final boolean middleOnly;
    private final boolean minMax;
    private Source source;
    private final long maxBytes;
    private long bytes;

    public CropStore(WorkLayout work, int size, double level, double width, long maxBytes) {
        this(work, Subset.TRAIN, size, level, width, maxBytes, false, true);
    }

    /**
     * The crops of the training set or of a test set.
     *
     * @param maxBytes   what the crops kept in memory may take (the least recently used go first; one is always kept)
     * @param middleOnly every image's three planes hold its middle slice (fracture.image_slices 1), not its 3 slices
     * @param minMax     each windowed slice scaled by its own range (SPEC §6), else by the window's
     */
    public CropStore(WorkLayout work, Subset subset, int size, double level, double width, long maxBytes,
                     boolean middleOnly, boolean minMax) {
        this.work = work;
        this.middleOnly = middleOnly;
        this.minMax = minMax;
        this.subset = subset;
        this.size = size;
        this.level = level;
        this.width = width;
        this.maxBytes = maxBytes;
        this.recent = new LinkedHashMap<>(16, 0.75f, true);
    }

    public int size() {
        return size;
    }

    /** Damaged crops are made again by {@code source} from now on. */
    public CropStore rebuildingFrom(Source source) {
        this.source = source;
        return this;
    }

    public boolean has(String uid) {
        return Files.isRegularFile(work.crop(subset, size, uid));
    }

    /** How many slices a cached crop has, from its header alone. */
    public int slices(String uid) throws IOException {
        try {
            return StudyCrop.readSlices(work.crop(subset, size, uid));
        } catch (CheckedFiles.DamagedFileException e) {
            return rebuild(uid, e).slices();
        }
    }

    public StudyCrop get(String uid) throws IOException {
        synchronized (recent) {
            StudyCrop c = recent.get(uid);
            if (c != null) {
                return c;
            }
        }
        if (!has(uid)) {
            throw new IOException("no crop of study " + uid + " in " + work.crops(subset, size) + " (skipped by studyCrops?)");
        }
        StudyCrop c;
        try {
            c = StudyCrop.read(work.crop(subset, size, uid));
        } catch (CheckedFiles.DamagedFileException e) {
            c = rebuild(uid, e);
        }
        synchronized (recent) {
            StudyCrop old = recent.put(uid, c);
            bytes += bytes(c) - (old == null ? 0 : bytes(old));
            for (var it = recent.entrySet().iterator(); bytes > maxBytes && recent.size() > 1 && it.hasNext(); ) {
                StudyCrop eldest = it.next().getValue();
                if (eldest != c) {
                    bytes -= bytes(eldest);
                    it.remove();
                }
            }
        }
        return c;
    }

    private StudyCrop rebuild(String uid, CheckedFiles.DamagedFileException damage) throws IOException {
        if (source == null) {
            throw damage;
        }
        synchronized (this) { // one rebuild at a time; another thread may have made it meanwhile
            try {
                return StudyCrop.read(work.crop(subset, size, uid));
            } catch (CheckedFiles.DamagedFileException again) {
                LOG.warn("{}; made again from its DICOM files", damage.getMessage());
                return source.make(uid);
            }
        }
    }

    private static long bytes(StudyCrop c) {
        return 2L * c.slices() * c.size() * c.size();
    }

    /** How many 3-slice images a crop of n slices gives. */
    public static int images(int slices) {
        return (slices + 2) / 3;
    }

    /**
     * The crop slice in the middle of image i (its label and position), moved {@code shift} slices as
     * {@link #image(StudyCrop, int, int, float[], int)} moves the image's slices.
     */
    public static int middleSlice(int image, int shift, int slices) {
        return Math.max(0, Math.min(slices - 1, image * 3 + 1 + shift));
    }

    /** Writes image i of a crop into {@code out} at {@code offset}: 3 planes of size×size. */
    public void image(StudyCrop crop, int i, float[] out, int offset) {
        image(crop, i, 0, out, offset);
    }

    /**
     * Writes image i of a crop, its slices moved {@code shift} slices towards the feet (a training augmentation:
     * other 3-slice groupings of the same study; -1 towards the head), into {@code out} at {@code offset}; slices
     * past either end of the crop repeat its first or last.
     */
    public void image(StudyCrop crop, int i, int shift, float[] out, int offset) {
        int plane = size * size;
        for (int k = 0; k < 3; k++) {
            // the middle slice, or slice k of the moved image: the middle one moved k - 1 further, clamped alike
            int s = middleSlice(i, middleOnly ? shift : shift + k - 1, crop.slices());
            float[] w = SliceWindow.window(crop.hu()[s], level, width, minMax);
            System.arraycopy(w, 0, out, offset + k * plane, plane);
        }
    }
}
