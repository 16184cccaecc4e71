package org.rsna22.dataset;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The slices of one study in slice_number order, with their fold and, when read from
 * train_bbox_v01.csv.gz, their C1-C7 box in pixels (x0, y0, x1, y1 inclusive) and has_box.
 */
public record SliceBoxes(String studyUid, int fold, int[] sliceNumbers, int[][] boxes, boolean[] hasBox)
        implements StudyItem {

    /** A whole study: no slice number. */
    @Override
    public String sliceLabel() {
        return "";
    }

    /** Reads train_bbox_v01.csv.gz (prepare's output) grouped by study, in file order. */
    public static List<SliceBoxes> readBoxLabels(Path csvGz) throws IOException {
        return read(csvGz, true);
    }

    /** Reads train_all_slices_v01.csv.gz (StudyInstanceUID, slice_number, fold) grouped by study. */
    public static List<SliceBoxes> readAllSlices(Path csvGz) throws IOException {
        return read(csvGz, false);
    }

    /**
     * The studies of an images folder (a test set's test_images/): folders named by a valid UID, sorted,
     * with their {@code <slice_number>.dcm} files in slice order; fold -1. Other entries are left out: see
     * {@link #listTestImages} for them and their reasons.
     */
    public static List<SliceBoxes> listStudies(Path images) throws IOException {
        return listTestImages(images).studies();
    }

    /** An entry of an images folder that is not a usable study, and why. */
    public record Rejected(String name, String reason) {
    }

    /** The studies of an images folder and every other entry of it with the reason it is not one. */
    public record Listing(List<SliceBoxes> studies, List<Rejected> rejected) {
    }

    /** Every entry of an images folder: the usable studies (as {@link #listStudies}) and the rest with reasons. */
    public static Listing listTestImages(Path images) throws IOException {
        List<SliceBoxes> out = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        List<Path> entries;
        try (Stream<Path> s = Files.list(images)) {
            entries = s.sorted().toList();
        }
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (!Files.isDirectory(entry)) {
                rejected.add(new Rejected(name, images.getFileName() + "/" + name + " is a file, not a study folder "
                        + "(test_images/<StudyInstanceUID>/<slice_number>.dcm)"));
                continue;
            }
            if (!Uids.isValid(name)) {
                rejected.add(new Rejected(name, "study folder name " + Uids.invalidReason(name)
                        + " (a folder of test_images/ is named by its StudyInstanceUID)"));
                continue;
            }
            List<Integer> numbers = new ArrayList<>();
            try (Stream<Path> s = Files.list(entry)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[1-9][0-9]{0,8}\\.dcm"))
                        .forEach(n -> numbers.add(Integer.parseInt(n.substring(0, n.length() - 4))));
            }
            numbers.sort(null);
            if (numbers.size() < 3) {
                rejected.add(new Rejected(name, "only " + numbers.size() + " slice file" + (numbers.size() == 1 ? ""
                        : "s") + " (<slice_number>.dcm) in " + images.getFileName() + "/" + name + ": a study needs "
                        + "at least 3 slices (one 3-slice image)"));
                continue;
            }
            out.add(new SliceBoxes(name, -1, numbers.stream().mapToInt(Integer::intValue).toArray(), null, null));
        }
        return new Listing(out, rejected);
    }

    /**
     * The studies and slice numbers of a list, without boxes, as one compact line: studies separated by
     * {@code ;}, each {@code uid|fold|ranges} with ranges such as {@code 1-120,122,124-300}. Small enough to
     * travel in a partition's execution context (slice numbers are nearly always runs).
     */
    public static String encodeSlices(List<SliceBoxes> studies) {
        StringBuilder b = new StringBuilder();
        for (SliceBoxes s : studies) {
            if (b.length() > 0) {
                b.append(';');
            }
            b.append(s.studyUid()).append('|').append(s.fold()).append('|');
            int[] n = s.sliceNumbers();
            for (int i = 0; i < n.length; ) {
                int j = i;
                while (j + 1 < n.length && n[j + 1] == n[j] + 1) {
                    j++;
                }
                if (i > 0) {
                    b.append(',');
                }
                b.append(n[i]);
                if (j > i) {
                    b.append('-').append(n[j]);
                }
                i = j + 1;
            }
        }
        return b.toString();
    }

    /** The inverse of {@link #encodeSlices}. */
    public static List<SliceBoxes> decodeSlices(String encoded) {
        List<SliceBoxes> out = new ArrayList<>();
        if (encoded.isEmpty()) {
            return out;
        }
        for (String study : encoded.split(";")) {
            String[] f = study.split("\\|", -1);
            if (f.length != 3) {
                throw new IllegalArgumentException("not an encoded study: " + study);
            }
            IntStream.Builder numbers = IntStream.builder();
            for (String run : f[2].split(",")) {
                int dash = run.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? run : run.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(run.substring(dash + 1));
                for (int k = from; k <= to; k++) {
                    numbers.add(k);
                }
            }
            out.add(new SliceBoxes(f[0], Integer.parseInt(f[1]), numbers.build().toArray(), null, null));
        }
        return out;
    }

    private static List<SliceBoxes> read(Path csvGz, boolean withBoxes) throws IOException {
        Map<String, List<String[]>> rows = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(csvGz), 1 << 16), StandardCharsets.UTF_8))) {
            List<String> header = Csv.parse(r.readLine());
            int uid = header.indexOf("StudyInstanceUID");
            int slice = header.indexOf("slice_number");
            int fold = header.indexOf("fold");
            if (uid < 0 || slice < 0 || fold < 0) {
                throw new IOException(csvGz + " lacks StudyInstanceUID, slice_number or fold columns");
            }
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    String[] f = line.split(",", -1);
                    rows.computeIfAbsent(f[uid], k -> new ArrayList<>()).add(f);
                }
            }
            List<SliceBoxes> out = new ArrayList<>();
            int x0 = header.indexOf("x0");
            int has = header.indexOf("has_box");
            for (Map.Entry<String, List<String[]>> e : rows.entrySet()) {
                List<String[]> list = e.getValue();
                list.sort((a, b) -> Integer.compare(Integer.parseInt(a[slice]), Integer.parseInt(b[slice])));
                int n = list.size();
                int[] numbers = new int[n];
                int[][] boxes = withBoxes ? new int[n][4] : null;
                boolean[] hasBox = withBoxes ? new boolean[n] : null;
                for (int i = 0; i < n; i++) {
                    String[] f = list.get(i);
                    numbers[i] = Integer.parseInt(f[slice]);
                    if (withBoxes) {
                        for (int k = 0; k < 4; k++) {
                            boxes[i][k] = Integer.parseInt(f[x0 + k]);
                        }
                        hasBox[i] = f[has].equals("1");
                    }
                }
                out.add(new SliceBoxes(e.getKey(), Integer.parseInt(list.get(0)[fold]), numbers, boxes, hasBox));
            }
            return out;
        } catch (EOFException | ZipException e) {
            throw CsvFiles.damaged(csvGz, e);
        }
    }
}
