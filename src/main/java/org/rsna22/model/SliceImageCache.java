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
import org.rsna22.io.dicom.DicomFile;
import org.rsna22.io.dicom.DicomImage;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.io.dicom.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Windowed, resized slices by (study, slice number), decoded through the DICOM source and kept in an LRU cache
 * bounded by bytes: each slice serves three triplets, and every epoch.
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

    /**
     * @param images   train_images/ or test_images/
     * @param maxBytes what the cached slices may take (size² floats each): the cache holds as many as fit, at least 8
     */
    public SliceImageCache(Path images, DicomSource dicom, int size, double level, double width, long maxBytes) {
        long capacity = Math.max(8, maxBytes / (4L * size * size));
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

    /**
     * Checks, from the headers alone, that a study's slices form one series: the same rows and columns and the same
     * orientation (ImageOrientationPatient within 1e-4). A study of a test set is not checked by prepare; slices of
     * two series in one folder would be predicted as one without a word.
     */
    public void requireOneSeries(String uid, int[] sliceNumbers) throws IOException {
        Path folder = CompetitionLayout.studyFolder(images, uid);
        int rows = -1;
        int cols = -1;
        double[] orientation = null;
        int first = -1;
        for (int n : sliceNumbers) {
            DicomFile h = dicom.readHeader(folder.resolve(n + ".dcm"));
            int r = h.requireInt(Tags.ROWS);
            int c = h.requireInt(Tags.COLUMNS);
            double[] o = h.doubles(Tags.IMAGE_ORIENTATION_PATIENT);
            if (first < 0) {
                first = n;
                rows = r;
                cols = c;
                orientation = o;
                continue;
            }
            if (r != rows || c != cols) {
                throw new IOException("study " + uid + " mixes slice sizes: " + first + ".dcm is " + cols + "x" + rows
                        + ", " + n + ".dcm " + c + "x" + r + " (not one series)");
            }
            if (!sameOrientation(orientation, o)) {
                throw new IOException("study " + uid + " mixes orientations: " + first + ".dcm and " + n + ".dcm differ "
                        + "in ImageOrientationPatient (not one series)");
            }
        }
    }

    private static boolean sameOrientation(double[] a, double[] b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) > 1e-4) {
                return false;
            }
        }
        return true;
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
