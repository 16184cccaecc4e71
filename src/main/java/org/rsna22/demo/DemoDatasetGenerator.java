package org.rsna22.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.dicom.DicomObject;
import org.rsna22.io.dicom.DicomWriter;
import org.rsna22.io.dicom.TransferSyntax;
import org.rsna22.io.nifti.NiftiWriter;

/**
 * Writes a synthetic dataset in the competition layout (SPEC §1) from {@link NeckPhantom}s: train.csv,
 * train_bounding_boxes.csv, train_images/UID/n.dcm, segmentations/UID.nii, plus demo_truth/ with the true
 * C1-C7 boxes per slice and per study. Studies show the real data's quirks in turn: z increasing with the
 * file number, signed or unsigned storage with different intercepts, RLE compression, a non-square size,
 * no segmentation. The same seed gives the same bytes.
 */
public final class DemoDatasetGenerator {

    /** Fracture prevalence of C1..C7 in the competition's train.csv (SPEC §1). */
    static final double[] PREVALENCE = {0.072, 0.141, 0.036, 0.054, 0.080, 0.137, 0.195};

    /**
     * What to generate.
     *
     * @param segFraction share of the studies with a segmentation, spread evenly over them (0.75: every fourth study
     *                    has none; the competition segments 87 of 2,019 studies)
     * @param boxFraction share of the fractured studies whose crack boxes are kept in train_bounding_boxes.csv, spread
     *                    evenly over them in UID order (1: all; the competition boxes 235 of its 961); a crack of a
     *                    small phantom can fall between its slices, so not every fractured study has boxes to keep
     * @param fullSize studies as the competition's: 250-650 slices of 0.5-1.0 mm (not about {@code slices} over a
     *                 fixed 185 mm; the third study over 650), stored as JPEG lossless (selection value 1) but for one in
     *                 eight in RLE, and the second study larger than the others (5/4 of {@code size})
     */
    public record Options(int studies, int size, long seed, int slices, int threads, double segFraction,
                          double boxFraction, boolean fullSize) {
        /** The share of studies segmented unless said otherwise: three in four. */
        public static final double SEG_FRACTION = 0.75;

        public Options {
            if (studies < 1 || size < 16 || slices < 8 || threads < 1) {
                throw new IllegalArgumentException("need at least 1 study, 16 px, 8 slices and 1 thread");
            }
            if (!(segFraction >= 0 && segFraction <= 1) || !(boxFraction >= 0 && boxFraction <= 1)) {
                throw new IllegalArgumentException("the segmented and the boxed share must be between 0 and 1, not "
                        + segFraction + " and " + boxFraction);
            }
        }

        public Options(int studies, int size, long seed, int slices, int threads, boolean allSegmented,
                       boolean fullSize) {
            this(studies, size, seed, slices, threads, allSegmented ? 1 : SEG_FRACTION, 1, fullSize);
        }

        public Options(int studies, int size, long seed, int slices, int threads, boolean allSegmented) {
            this(studies, size, seed, slices, threads, allSegmented, false);
        }

        /** Every fourth study without a segmentation, every fractured study with its boxes. */
        public Options(int studies, int size, long seed, int slices, int threads) {
            this(studies, size, seed, slices, threads, false);
        }

        /** Full-size studies at 512 pixels ({@link #fullSize}). */
        public static Options fullSize(int studies, long seed, int threads) {
            return new Options(studies, 512, seed, 250, threads, false, true);
        }

        public static Options defaults() {
            return new Options(16, 96, 22, 96, 2);
        }
    }

    /** The facts of one generated study. */
    public record StudyInfo(String uid, int rows, int columns, int slices, boolean zIncreasing, TransferSyntax syntax,
                            CtSliceSynth.Storage storage, boolean segmented, int[] labels) {
    }

    private final Options options;

    public DemoDatasetGenerator(Options options) {
        this.options = options;
    }

    public List<StudyInfo> generate(Path out, PrintWriter log) throws IOException {
        Files.createDirectories(out.resolve("train_images"));
        Files.createDirectories(out.resolve("segmentations"));
        Files.createDirectories(out.resolve("demo_truth"));
        SplittableRandom master = new SplittableRandom(options.seed());
        List<String> uids = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (uids.size() < options.studies()) {
            String uid = "1.2.826.0.1.3680043." + (10000 + master.nextInt(89999));
            if (seen.add(uid)) {
                uids.add(uid);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(options.threads());
        List<Future<StudyResult>> futures = new ArrayList<>();
        for (int i = 0; i < uids.size(); i++) {
            int index = i;
            long seed = master.nextLong();
            futures.add(pool.submit(() -> writeStudy(out, index, uids.get(index), seed)));
        }
        List<StudyResult> results = new ArrayList<>();
        try {
            for (Future<StudyResult> f : futures) {
                results.add(f.get());
                if (log != null) {
                    StudyInfo s = results.get(results.size() - 1).info();
                    log.printf("  %s  %d slices of %dx%d%s%s%s%s%n", s.uid(), s.slices(), s.columns(), s.rows(),
                            s.zIncreasing() ? "  z increasing" : "", s.syntax() == TransferSyntax.RLE_LOSSLESS ? "  RLE"
                                    : s.syntax() == TransferSyntax.JPEG_LOSSLESS_SV1 ? "  JPEG lossless" : "",
                            s.storage() == CtSliceSynth.Storage.UNSIGNED_12 ? "  unsigned" : "  signed",
                            s.segmented() ? "" : "  no segmentation");
                    log.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        writeTables(out, results);
        return results.stream().map(StudyResult::info).toList();
    }

    private record StudyResult(StudyInfo info, String fractureRows, String sliceTruth, String studyTruth) {
    }

    private StudyResult writeStudy(Path out, int index, String uid, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        boolean[] fractured = new boolean[7];
        int[] labels = new int[8];
        for (int v = 0; v < 7; v++) {
            fractured[v] = rnd.nextDouble() < PREVALENCE[v];
            labels[v + 1] = fractured[v] ? 1 : 0;
            labels[0] |= labels[v + 1];
        }
        boolean full = options.fullSize();
        boolean zIncreasing = index % 3 == 1;
        boolean rle = full ? index % 8 == 2 : index % 4 == 2;
        TransferSyntax syntax = rle ? TransferSyntax.RLE_LOSSLESS
                : full ? TransferSyntax.JPEG_LOSSLESS_SV1 : TransferSyntax.EXPLICIT_VR_LE;
        boolean segmented = chosen(index, options.segFraction());
        CtSliceSynth.Storage storage = index % 2 == 0 ? CtSliceSynth.Storage.SIGNED : CtSliceSynth.Storage.UNSIGNED_12;
        int size = full && index == 1 ? options.size() * 5 / 4 : options.size(); // a few real studies are larger
        int cols = size;
        int rows = index % 5 == 3 ? size + (size / 8 & ~1) : size;
        int slices;
        double dz;
        if (full) { // 0.5-1.0 mm slices, 250-650 of them (the third study over 650): from above C1 into the thorax
            slices = index == 2 ? 651 + rnd.nextInt(50) : 250 + rnd.nextInt(401);
            dz = 0.5 + rnd.nextDouble() * 0.5;
        } else {
            slices = options.slices() + rnd.nextInt(Math.max(1, options.slices() / 4));
            dz = 185.0 / slices; // head of C1 to the upper thoracic spine
        }
        double spacing = (150.0 + rnd.nextDouble() * 20) / cols;
        double top = 0;
        NeckPhantom phantom = new NeckPhantom(rnd, fractured, top - 8 - rnd.nextDouble() * 6, Math.max(spacing, dz));
        double x0 = -spacing * (cols - 1) / 2.0;
        double y0 = -spacing * (rows - 1) / 2.0 + 5;

        Path folder = out.resolve("train_images").resolve(uid);
        Files.createDirectories(folder);
        byte[] volume = segmented ? new byte[cols * rows * slices] : null;
        double[] hu = new double[rows * cols];
        byte[] label = new byte[rows * cols];
        byte[] crack = new byte[rows * cols];
        StringBuilder fractureRows = new StringBuilder();
        StringBuilder sliceTruth = new StringBuilder();
        int[] studyBox = {Integer.MAX_VALUE, Integer.MAX_VALUE, -1, -1, Integer.MAX_VALUE, -1};
        SplittableRandom noise = rnd.split();
        String seriesUid = uid + ".1";
        for (int s = 0; s < slices; s++) {
            int sliceNumber = s + 1;
            double z = zIncreasing ? top - (slices - 1 - s) * dz : top - s * dz;
            phantom.render(z, x0, y0, spacing, rows, cols, hu, label, crack);
            int[] px = new int[rows * cols];
            int[] box = {Integer.MAX_VALUE, Integer.MAX_VALUE, -1, -1};
            int[] fbox = {Integer.MAX_VALUE, Integer.MAX_VALUE, -1, -1};
            for (int i = 0; i < px.length; i++) {
                int h = (int) Math.round(Math.max(-1024, Math.min(3071, hu[i] + noise.nextGaussian() * phantom.noise())));
                px[i] = storage == CtSliceSynth.Storage.SIGNED ? h : h + 1024;
                int r = i / cols;
                int c = i % cols;
                int l = label[i];
                if (l >= 1 && l <= 7) {
                    grow(box, c, r);
                }
                if (crack[i] != 0) {
                    grow(fbox, c, r);
                }
                if (volume != null) {
                    // competition convention: M[c, R-1-r, k], k counting from the lowest z
                    int k = zIncreasing ? s : slices - 1 - s;
                    volume[c + cols * ((rows - 1 - r) + rows * k)] = (byte) l;
                }
            }
            boolean hasBox = box[2] >= 0;
            if (hasBox) {
                sliceTruth.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,1%n", uid, sliceNumber, box[0], box[1],
                        box[2], box[3]));
                studyBox[0] = Math.min(studyBox[0], box[0]);
                studyBox[1] = Math.min(studyBox[1], box[1]);
                studyBox[2] = Math.max(studyBox[2], box[2]);
                studyBox[3] = Math.max(studyBox[3], box[3]);
                studyBox[4] = Math.min(studyBox[4], sliceNumber);
                studyBox[5] = Math.max(studyBox[5], sliceNumber);
            } else {
                sliceTruth.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,0%n", uid, sliceNumber, cols / 2,
                        rows / 2, cols / 2, rows / 2));
            }
            if (fbox[2] >= 0) {
                fractureRows.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d%n", uid, fbox[0], fbox[1],
                        fbox[2] - fbox[0] + 1, fbox[3] - fbox[1] + 1, sliceNumber));
            }
            DicomObject header = CtSliceSynth.header(uid, seriesUid, seriesUid + "." + sliceNumber, sliceNumber, rows,
                    cols, new double[] {x0, y0, round(z)}, spacing, storage);
            DicomWriter.write(folder.resolve(sliceNumber + ".dcm"), header, px, syntax);
        }
        if (volume != null) {
            double zMin = top - (slices - 1) * dz; // voxel k = 0 is the lowest slice
            double[][] affine = {
                {-spacing, 0, 0, -x0},
                {0, spacing, 0, -(y0 + (rows - 1) * spacing)},
                {0, 0, dz, round(zMin)},
                {0, 0, 0, 1}};
            NiftiWriter.writeLabels(out.resolve("segmentations").resolve(uid + ".nii"), cols, rows, slices, volume, affine);
        }
        String studyTruth = String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%d%n", uid, studyBox[0], studyBox[1],
                studyBox[2], studyBox[3], studyBox[4], studyBox[5]);
        StudyInfo info = new StudyInfo(uid, rows, cols, slices, zIncreasing, syntax, storage, segmented, labels);
        return new StudyResult(info, fractureRows.toString(), sliceTruth.toString(), studyTruth);
    }

    /** DS values keep 16 characters; positions are rounded to a micrometre so that text and affine agree. */
    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static void grow(int[] box, int c, int r) {
        box[0] = Math.min(box[0], c);
        box[1] = Math.min(box[1], r);
        box[2] = Math.max(box[2], c);
        box[3] = Math.max(box[3], r);
    }

    /**
     * Whether the {@code index}-th item is among a {@code share} of the items spread evenly over them: the first is
     * chosen unless the share is 0, and of every run of items the share, rounded, is (3 of every 4 at 0.75).
     */
    static boolean chosen(int index, double share) {
        return Math.ceil((index + 1) * share - 1e-9) > Math.ceil(index * share - 1e-9);
    }

    private void writeTables(Path out, List<StudyResult> results) throws IOException {
        List<StudyResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparing(r -> r.info().uid()));
        StringBuilder train = new StringBuilder("StudyInstanceUID,patient_overall,C1,C2,C3,C4,C5,C6,C7\n");
        StringBuilder boxes = new StringBuilder("StudyInstanceUID,x,y,width,height,slice_number\n");
        StringBuilder slices = new StringBuilder("StudyInstanceUID,slice_number,x0,y0,x1,y1,has_box\n");
        StringBuilder studies = new StringBuilder("StudyInstanceUID,x0,y0,x1,y1,slnum_from,slnum_to\n");
        int fractured = 0;
        for (StudyResult r : sorted) {
            train.append(r.info().uid());
            for (int l : r.info().labels()) {
                train.append(',').append(l);
            }
            train.append('\n');
            if (!r.fractureRows().isEmpty() && chosen(fractured++, options.boxFraction())) {
                boxes.append(r.fractureRows());
            }
            slices.append(r.sliceTruth());
            studies.append(r.studyTruth());
        }
        write(out.resolve("train.csv"), train);
        write(out.resolve("train_bounding_boxes.csv"), boxes);
        write(out.resolve("demo_truth/slice_boxes.csv"), slices);
        write(studyBoxTruth(out), studies);
        write(out.resolve("demo_truth/README.txt"), new StringBuilder(
                "Ground truth of the generated phantoms (not part of the competition layout).\n"
                        + "slice_boxes.csv: the inclusive box of C1-C7 voxels per slice, straight from the generator.\n"
                        + "study_boxes.csv: their union and the first/last slice that has C1-C7.\n"));
    }

    /**
     * Turns a generated dataset into a test set in the competition layout: train_images/ becomes test_images/, its
     * labels (train.csv) move to {@code labels} (outside the test set, for scoring), and the training-only files
     * (bounding boxes, segmentations) go.
     */
    public static void toTestSet(Path dataset, Path labels) throws IOException {
        Files.move(dataset.resolve("train_images"), dataset.resolve("test_images"));
        Files.createDirectories(labels.toAbsolutePath().getParent());
        Files.move(dataset.resolve("train.csv"), labels);
        Files.delete(dataset.resolve("train_bounding_boxes.csv"));
        AtomicFiles.deleteTree(dataset.resolve("segmentations"));
    }

    /** The generator's true study boxes and slice ranges in a generated dataset. */
    public static Path studyBoxTruth(Path dataset) {
        return dataset.resolve("demo_truth/study_boxes.csv");
    }

    private static void write(Path p, CharSequence text) {
        try {
            AtomicFiles.write(p, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
