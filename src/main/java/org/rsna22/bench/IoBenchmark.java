package org.rsna22.bench;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.rsna22.demo.CtSliceSynth;
import org.rsna22.io.dicom.DicomFile;
import org.rsna22.io.dicom.DicomObject;
import org.rsna22.io.dicom.DicomReader;
import org.rsna22.io.dicom.DicomWriter;
import org.rsna22.io.dicom.TransferSyntax;

/**
 * Throughput of the DICOM reader on the calling thread (run it under {@code taskset -c 0} for one core):
 * header-only scan, native decode, JPEG lossless SV1 (ours and ome-codecs' for comparison), JPEG 2000.
 * Fixtures are CT-like 16-bit slices written by our writer and compressed by dcmtk and GDCM.
 */
public final class IoBenchmark {

    /** One measured case. */
    public record Result(String name, int files, long operations, double seconds) {
        public double perSecond() {
            return operations / seconds;
        }
    }

    @FunctionalInterface
    private interface FileOp {
        void run(Path file) throws Exception;
    }

    private final Path dir;
    private final int count;
    private final int size;
    private final double seconds;
    private final PrintWriter out;

    public IoBenchmark(Path dir, int count, int size, double seconds, PrintWriter out) {
        this.dir = dir;
        this.count = count;
        this.size = size;
        this.seconds = seconds;
        this.out = out;
    }

    public List<Result> run() throws IOException, InterruptedException {
        Path nativeDir = dir.resolve("native");
        Path jpegDir = dir.resolve("jpeg-lossless-sv1");
        Path j2kDir = dir.resolve("jpeg2000");
        makeNative(nativeDir);
        boolean jpeg = compress(nativeDir, jpegDir, List.of("dcmcjpeg", "+e1"), "dcmtk");
        boolean j2k = compress(nativeDir, j2kDir, List.of("gdcmconv", "--j2k"), "libgdcm-tools");

        List<Result> results = new ArrayList<>();
        List<Path> natives = list(nativeDir);
        List<Path> all = new ArrayList<>(natives);
        if (jpeg) {
            all.addAll(list(jpegDir));
        }
        if (j2k) {
            all.addAll(list(j2kDir));
        }
        results.add(measure("header-only scan", all, DicomReader::readHeader));
        results.add(measure("decode explicit VR LE " + size + "x" + size, natives, DicomReader::readImage));
        if (jpeg) {
            List<Path> files = list(jpegDir);
            results.add(measure("decode JPEG lossless SV1 (ours)", files, DicomReader::readImage));
            results.add(measure("decode JPEG lossless SV1 (ome-codecs)", files, IoBenchmark::omeLossless));
        }
        if (j2k) {
            results.add(measure("decode JPEG 2000 (ome-codecs/jj2000)", list(j2kDir), DicomReader::readImage));
        }
        return results;
    }

    private void makeNative(Path nativeDir) throws IOException {
        Files.createDirectories(nativeDir);
        if (list(nativeDir).size() >= count) {
            return;
        }
        out.printf("writing %d CT-like %dx%d slices to %s%n", count, size, size, nativeDir);
        out.flush();
        for (int i = 0; i < count; i++) {
            CtSliceSynth.Storage storage = i % 2 == 0 ? CtSliceSynth.Storage.SIGNED : CtSliceSynth.Storage.UNSIGNED_12;
            DicomObject h = CtSliceSynth.header("1.2.826.0.1.3680043.8.498.1", "1.2.826.0.1.3680043.8.498.1.1",
                    "1.2.826.0.1.3680043.8.498.1.1." + (i + 1), i + 1, size, size,
                    new double[] {-125, -125, -i * 1.0}, 250.0 / size, storage);
            int[] px = CtSliceSynth.stored(CtSliceSynth.hu(size, size, i), storage);
            DicomWriter.write(nativeDir.resolve(String.format("%04d.dcm", i + 1)), h, px, TransferSyntax.EXPLICIT_VR_LE);
        }
    }

    private boolean compress(Path from, Path to, List<String> tool, String debianPackage)
            throws IOException, InterruptedException {
        Files.createDirectories(to);
        if (list(to).size() >= count) {
            return true;
        }
        if (!onPath(tool.get(0))) {
            out.printf("skipping %s: %s is not installed (apt-get install %s)%n", to.getFileName(), tool.get(0),
                    debianPackage);
            return false;
        }
        out.printf("compressing with %s into %s%n", String.join(" ", tool), to);
        out.flush();
        for (Path f : list(from)) {
            List<String> cmd = new ArrayList<>(tool);
            cmd.add(f.toString());
            cmd.add(to.resolve(f.getFileName()).toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed");
            }
        }
        return true;
    }

    private static boolean onPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, command))) {
                return true;
            }
        }
        return false;
    }

    private static List<Path> list(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".dcm")).sorted().toList();
        }
    }

    private Result measure(String name, List<Path> files, FileOp op) {
        try {
            loop(files, op, Math.min(1.0, seconds / 3)); // warm-up: JIT and page cache
            long t0 = System.nanoTime();
            long ops = loop(files, op, seconds);
            double s = (System.nanoTime() - t0) / 1e9;
            Result r = new Result(name, files.size(), ops, s);
            out.printf(Locale.ROOT, "%-42s %10.0f files/s  (%d reads of %d files in %.1f s)%n", name, r.perSecond(),
                    ops, files.size(), s);
            out.flush();
            return r;
        } catch (Exception e) {
            throw new IllegalStateException(name + " failed: " + e.getMessage(), e);
        }
    }

    private static long loop(List<Path> files, FileOp op, double seconds) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long ops = 0;
        while (System.nanoTime() < deadline) {
            for (Path f : files) {
                op.run(f);
                ops++;
            }
        }
        return ops;
    }

    /** ome-codecs' LosslessJPEGCodec on the same fragment, read with our parser: the speed we replaced. */
    private static void omeLossless(Path file) throws Exception {
        DicomFile h = DicomReader.readHeader(file);
        byte[] all = Files.readAllBytes(file);
        int pos = (int) h.pixelDataOffset();
        pos += 8 + le32(all, pos + 4); // basic offset table item
        int len = le32(all, pos + 4);
        byte[] frame = Arrays.copyOfRange(all, pos + 8, pos + 8 + len);
        ome.codecs.CodecOptions o = new ome.codecs.CodecOptions();
        o.littleEndian = true;
        o.interleaved = false;
        new ome.codecs.LosslessJPEGCodec().decompress(frame, o);
    }

    private static int le32(byte[] b, int o) {
        return (b[o] & 0xFF) | ((b[o + 1] & 0xFF) << 8) | ((b[o + 2] & 0xFF) << 16) | ((b[o + 3] & 0xFF) << 24);
    }
}
