package org.rsna22.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.io.IoErrors;
import org.rsna22.io.dicom.DicomImage;
import org.rsna22.io.dicom.DicomSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Windowed, resized slices by (study, slice number), decoded through the DICOM source and kept in a
 * bounded LRU cache: each slice serves three triplets, and every epoch.
 */
public final class SliceImageCache {

    private static final Logger log = LoggerFactory.getLogger(SliceImageCache.class);
    private final Map<String, Unreadable> unreadable = new ConcurrentHashMap<>();
    private volatile boolean tolerant;

    /** A slice that could not be read, and why. */
    public record Unreadable(String studyUid, int sliceNumber, String reason) {
    }

    /** A prepared slice: size×size values in 0..1, and the original image size. */
    public record Slice(float[] pixels, int rows, int columns) {
    }

    private final Path images;
    private final DicomSource dicom;
    private final int size;
    private final double level;
    private final double width;
    private final Map<String, Slice> cache;

    /** @param images train_images/ or test_images/ */
    public SliceImageCache(Path images, DicomSource dicom, int size, double level, double width, int capacity) {
        this.images = images;
        this.dicom = dicom;
        this.size = size;
        this.level = level;
        this.width = width;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Slice> eldest) {
                return size() > capacity;
            }
        };
    }

    public int size() {
        return size;
    }

    /**
     * From now on {@link TripletSamples#load} stands in for a slice that cannot be read (see there) instead of
     * failing, and records it in {@link #unreadable}: training goes on past a damaged file; inference does not ask.
     */
    public SliceImageCache tolerateUnreadable() {
        tolerant = true;
        return this;
    }

    boolean tolerant() {
        return tolerant;
    }

    /** The slices that could not be read, each once, by study and slice number. */
    public List<Unreadable> unreadable() {
        return unreadable.values().stream().sorted(Comparator.comparing(Unreadable::studyUid)
                .thenComparingInt(Unreadable::sliceNumber)).toList();
    }

    void recordUnreadable(String uid, int sliceNumber, IOException e) {
        String reason = IoErrors.describe(e);
        if (unreadable.putIfAbsent(uid + "/" + sliceNumber, new Unreadable(uid, sliceNumber, reason)) == null) {
            log.warn("slice {} of study {} cannot be read, a neighbouring slice stands in for it: {}", sliceNumber, uid,
                    reason);
        }
    }

    public Slice get(String uid, int sliceNumber) throws IOException {
        String key = uid + "/" + sliceNumber;
        synchronized (cache) {
            Slice s = cache.get(key);
            if (s != null) {
                return s;
            }
        }
        Path file = CompetitionLayout.studyFolder(images, uid).resolve(sliceNumber + ".dcm");
        DicomImage img = dicom.readImage(file);
        float[] w = SliceWindow.window(img.huShort(), level, width);
        Slice s = new Slice(SliceWindow.resize(w, img.rows(), img.columns(), size), img.rows(), img.columns());
        synchronized (cache) {
            cache.put(key, s);
        }
        return s;
    }
}
