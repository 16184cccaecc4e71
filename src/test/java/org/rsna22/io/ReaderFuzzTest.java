package org.rsna22.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.io.nifti.NiftiReader;
import org.rsna22.testsupport.ExternalTools;

/**
 * A seeded mutation loop over real files (pydicom's and nibabel's test data, our generated DICOM, RLE and NIfTI):
 * bytes set, bits flipped, lengths made huge, chunks cut or repeated. Each mutant must be read or refused with an
 * IOException (the reader's reason), never another exception, an error or a hang. The default suite tries
 * {@code rsna22.fuzz.inputs} mutants (1,500); {@code -Pfuzz} runs for {@code rsna22.fuzz.seconds}. A finding is
 * written to target/fuzz-findings/ and fails the test; each one found became a regression test (Jpeg2000LoopTest:
 * jj2000 looping forever on a damaged JPEG 2000 codestream, now refused by a watchdog).
 */
class ReaderFuzzTest {

    private static final long SEED = Long.getLong("rsna22.fuzz.seed", 2022);
    private static final int INPUTS = Integer.getInteger("rsna22.fuzz.inputs", 1500);
    private static final long SECONDS = Long.getLong("rsna22.fuzz.seconds", 0);
    private static final int[] INTERESTING = {0, 1, -1, 0x7FFFFFFF, 0x80000000, 0xFFFF, 0x10000, 348, 0xFFFFFFF0};

    @Test
    void mutantsAreReadOrRefusedWithAReason(@TempDir Path dir) throws IOException {
        ExternalTools.require(ExternalTools.PYDICOM_TEST_FILES, "python3-pydicom");
        ExternalTools.require(ExternalTools.NIBABEL_TEST_DATA, "python3-nibabel");
        List<Path> corpus = corpus(dir);
        assertThat(corpus).hasSizeGreaterThan(40);
        DicomSource dicom = DicomSource.own();
        // jj2000 loops on some damaged codestreams; its watchdog refuses them after this long (Jpeg2000LoopTest)
        System.setProperty("rsna22.j2k.timeout-ms", "2000");
        SplittableRandom rnd = new SplittableRandom(SEED);
        List<String> findings = new ArrayList<>();
        long until = SECONDS > 0 ? System.nanoTime() + SECONDS * 1_000_000_000L : Long.MAX_VALUE;
        int tried = 0;
        int refused = 0;
        Path mutant = dir.resolve("mutant");
        while (SECONDS > 0 ? System.nanoTime() < until : tried < INPUTS) {
            Path origin = corpus.get(rnd.nextInt(corpus.size()));
            byte[] bytes = mutate(Files.readAllBytes(origin), rnd);
            boolean nifti = origin.getFileName().toString().contains(".nii");
            Path file = mutant.resolveSibling("mutant-" + tried + (nifti ? (isGzip(bytes) ? ".nii.gz" : ".nii") : ".dcm"));
            Files.write(file, bytes);
            long t0 = System.nanoTime();
            try {
                if (nifti) {
                    NiftiReader.read(file);
                } else {
                    dicom.readImage(file);
                }
            } catch (IOException expected) {
                refused++;
            } catch (Throwable t) {
                findings.add(record(origin, tried, bytes, t));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (seconds > 10) {
                findings.add(record(origin, tried, bytes, new IllegalStateException("took " + seconds + " s")));
            }
            Files.delete(file);
            tried++;
        }
        System.clearProperty("rsna22.j2k.timeout-ms");
        System.out.printf("fuzz: %d mutants of %d files (seed %d), %d refused with a reason, %d read, %d findings%n",
                tried, corpus.size(), SEED, refused, tried - refused - findings.size(), findings.size());
        assertThat(findings).as("mutants that escaped with something other than an IOException").isEmpty();
    }

    private static List<Path> corpus(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(ExternalTools.PYDICOM_TEST_FILES)) {
            s.filter(p -> p.toString().endsWith(".dcm")).filter(ReaderFuzzTest::small).sorted().forEach(out::add);
        }
        try (Stream<Path> s = Files.list(ExternalTools.NIBABEL_TEST_DATA)) {
            s.filter(p -> p.toString().endsWith(".nii") || p.toString().endsWith(".nii.gz"))
                    .filter(ReaderFuzzTest::small).sorted().forEach(out::add);
        }
        Path generated = dir.resolve("generated");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(3, 32, 7, 8, 1, true)).generate(generated, null);
        try (Stream<Path> s = Files.walk(generated)) {
            s.filter(p -> p.toString().endsWith(".dcm") || p.toString().endsWith(".nii")).sorted().limit(12)
                    .forEach(out::add);
        }
        return out;
    }

    private static boolean small(Path p) {
        try {
            return Files.size(p) < 2_000_000;
        } catch (IOException e) {
            return false;
        }
    }

    /** One to four mutations: a byte set, a bit flipped, an int made "interesting", a cut, a repeated chunk. */
    static byte[] mutate(byte[] in, SplittableRandom rnd) {
        byte[] b = in.clone();
        int n = 1 + rnd.nextInt(4);
        for (int m = 0; m < n && b.length > 8; m++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(6)) {
                case 0 -> b[at] = (byte) rnd.nextInt(256);
                case 1 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 2 -> {
                    int v = INTERESTING[rnd.nextInt(INTERESTING.length)];
                    for (int k = 0; k < 4 && at + k < b.length; k++) {
                        b[at + k] = (byte) (v >>> (8 * k));
                    }
                }
                case 3 -> b = java.util.Arrays.copyOf(b, Math.max(1, at)); // cut short
                case 4 -> { // a chunk repeated
                    int len = Math.min(b.length - at, 1 + rnd.nextInt(64));
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, at + len);
                    System.arraycopy(b, at, c, at + len, b.length - at);
                    b = c;
                }
                default -> { // a 16-bit field near a header start made huge
                    int h = rnd.nextInt(Math.min(b.length - 1, 512));
                    b[h] = (byte) 0xFF;
                    b[h + 1] = (byte) 0x7F;
                }
            }
        }
        return b;
    }

    private static boolean isGzip(byte[] b) {
        return b.length > 1 && (b[0] & 0xFF) == 0x1F && (b[1] & 0xFF) == 0x8B;
    }

    private static String record(Path origin, int i, byte[] bytes, Throwable t) throws IOException {
        Path dir = Files.createDirectories(Path.of("target", "fuzz-findings"));
        Path f = dir.resolve(origin.getFileName() + "." + SEED + "-" + i + ".bin");
        Files.write(f, bytes);
        StackTraceElement where = t.getStackTrace().length > 0 ? t.getStackTrace()[0] : null;
        return origin.getFileName() + " mutant " + i + " (" + f + "): " + t + " at " + where;
    }
}
