package org.rsna22.fracture;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.io.IoErrors;
import org.rsna22.io.dicom.DicomImage;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.io.geometry.SliceGeometry;
import org.rsna22.model.SliceWindow;

/**
 * Makes a study's crop: slices slnum_from - margin .. slnum_to + margin (those that exist), each decoded once, cut to
 * the study box made square about its centre (what falls outside the image is air, -1024 HU), resized bilinearly
 * to the crop size and put head to feet (reversed when z grows with the slice number).
 */
public final class CropBuilder {

    static final short AIR = -1024;

    private final Path images;
    private final DicomSource dicom;
    private final int size;
    private final int margin;

    public CropBuilder(Path images, DicomSource dicom, int size, int margin) {
        this.images = images;
        this.dicom = dicom;
        this.size = size;
        this.margin = margin;
    }

    /**
     * @param box         x0, y0, x1, y1 inclusive (train_bbox_pred_v02)
     * @param sliceNumbers every slice number of the study, ascending
     */
    public StudyCrop build(String uid, int[] box, int slnumFrom, int slnumTo, int[] sliceNumbers) throws IOException {
        List<Integer> chosen = chosen(slnumFrom, slnumTo, sliceNumbers);
        if (chosen.size() < 3) {
            throw new IOException("study " + uid + ": only " + chosen.size() + " slices in its range " + slnumFrom + ".."
                    + slnumTo + "; a crop needs at least 3");
        }
        int[] square = square(box);
        int x0 = square[0];
        int y0 = square[1];
        int side = square[2];
        short[][] hu = new short[chosen.size()][];
        double zFirst = 0;
        double zLast = 0;
        Path folder = CompetitionLayout.studyFolder(images, uid);
        for (int i = 0; i < chosen.size(); i++) {
            Path file = folder.resolve(chosen.get(i) + ".dcm");
            DicomImage img;
            double z;
            try {
                img = dicom.readImage(file);
                z = SliceGeometry.of(img.header()).position()[2];
            } catch (IOException e) {
                throw new IOException("slice " + chosen.get(i) + " of study " + uid + ": " + IoErrors.describe(e), e);
            }
            hu[i] = cut(img.huShort(), img.rows(), img.columns(), x0, y0, side, size);
            if (i == 0) {
                zFirst = z;
            }
            zLast = z;
        }
        int[] numbers = chosen.stream().mapToInt(Integer::intValue).toArray();
        if (zLast > zFirst) { // z grows with the slice number: slice 1 is the lowest, so reverse to head first
            reverse(numbers);
            reverse(hu);
        }
        return new StudyCrop(uid, size, numbers, square, hu);
    }

    /**
     * Whether a cached crop was made from this box, range and size: a crop of an earlier infer-bbox or another
     * crop_margin in the same work folder is made again, not reused.
     */
    public boolean matches(StudyCrop.Header h, int[] box, int slnumFrom, int slnumTo, int[] sliceNumbers) {
        List<Integer> chosen = chosen(slnumFrom, slnumTo, sliceNumbers);
        int[] sorted = h.sliceNumbers().clone();
        Arrays.sort(sorted);
        return h.size() == size && Arrays.equals(h.box(), square(box))
                && Arrays.equals(sorted, chosen.stream().mapToInt(Integer::intValue).toArray());
    }

    private List<Integer> chosen(int slnumFrom, int slnumTo, int[] sliceNumbers) {
        List<Integer> chosen = new ArrayList<>();
        for (int n : sliceNumbers) {
            if (n >= slnumFrom - margin && n <= slnumTo + margin) {
                chosen.add(n);
            }
        }
        return chosen;
    }

    /** The study box made square about its centre: x0, y0, side. */
    static int[] square(int[] box) {
        int side = Math.max(box[2] - box[0], box[3] - box[1]) + 1;
        return new int[] {(box[0] + box[2] + 1) / 2 - side / 2, (box[1] + box[3] + 1) / 2 - side / 2, side};
    }

    /** The side×side square at (x0, y0), air outside the image, resized to size×size and rounded to HU. */
    static short[] cut(short[] huImage, int rows, int cols, int x0, int y0, int side, int size) {
        float[] square = new float[side * side];
        for (int y = 0; y < side; y++) {
            int sy = y0 + y;
            for (int x = 0; x < side; x++) {
                int sx = x0 + x;
                square[y * side + x] = sy >= 0 && sy < rows && sx >= 0 && sx < cols ? huImage[sy * cols + sx] : AIR;
            }
        }
        float[] resized = SliceWindow.resize(square, side, side, size);
        short[] out = new short[size * size];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) Math.round(resized[i]);
        }
        return out;
    }

    private static void reverse(int[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void reverse(short[][] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            short[] t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
