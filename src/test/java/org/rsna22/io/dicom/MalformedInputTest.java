package org.rsna22.io.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.management.ThreadMXBean;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rsna22.demo.CtSliceSynth.Storage;
import org.rsna22.testsupport.ExternalTools;

/**
 * Malformed input never escapes as anything but a {@link DicomException}: no other exception, no
 * OutOfMemoryError, no hang; each case finishes within a second with bounded allocation.
 */
class MalformedInputTest {

    private static final long MAX_ALLOCATION = 64L << 20;

    static Stream<String> realFiles() {
        return Stream.of("CT_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "image_dfl.dcm",
                "MR_small_RLE.dcm", "JPEG2000.dcm", "693_J2KI.dcm");
    }

    private static byte[] real(String name) throws IOException {
        ExternalTools.require(ExternalTools.PYDICOM_TEST_FILES, "python3-pydicom");
        return Files.readAllBytes(ExternalTools.PYDICOM_TEST_FILES.resolve(name));
    }

    /** Decodes in bounded time and allocation; returns the exception, or null when the bytes decoded. */
    private static DicomException attempt(byte[] bytes, String name) {
        return assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
            ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getCurrentThreadAllocatedBytes();
            DicomException caught = null;
            try {
                DicomReader.readImage(bytes, name);
            } catch (DicomException e) {
                caught = e;
            } catch (Throwable t) {
                throw new AssertionError(name + ": escaped as " + t, t);
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).as(name + " allocated bytes").isLessThan(MAX_ALLOCATION + 4L * bytes.length);
            return caught;
        }, name);
    }

    @ParameterizedTest
    @MethodSource("realFiles")
    void truncatedAtSixteenLengthsGivesTypedErrors(String file) throws IOException {
        byte[] full = real(file);
        for (int k = 0; k < 16; k++) {
            int len = (int) ((long) full.length * k / 16);
            DicomException e = attempt(Arrays.copyOf(full, len), file + "[0.." + len + ")");
            assertThat(e).as(file + " truncated to " + len).isNotNull();
            assertThat(e.getMessage()).contains(file);
        }
    }

    @ParameterizedTest
    @MethodSource("realFiles")
    void randomByteFlipsInTheHeaderGiveTypedErrorsOrImages(String file) throws IOException {
        byte[] full = real(file);
        DicomFile h = DicomReader.readHeader(full, file);
        int headerEnd = (int) Math.min(full.length, h.pixelDataOffset() > 0 && !h.transferSyntax().deflated()
                ? h.pixelDataOffset() : 1024);
        Random rnd = new Random(file.hashCode());
        int errors = 0;
        for (int trial = 0; trial < 300; trial++) {
            byte[] b = full.clone();
            int flips = 1 + rnd.nextInt(8);
            for (int f = 0; f < flips; f++) {
                b[rnd.nextInt(headerEnd)] ^= (byte) (1 + rnd.nextInt(255));
            }
            if (attempt(b, file + "#" + trial) != null) {
                errors++;
            }
        }
        assertThat(errors).as("some flips must break " + file).isPositive();
    }

    @Test
    void randomFlipsInJpegLosslessDataGiveTypedErrorsOrImages(@TempDir Path tmp) throws IOException {
        ExternalTools.requireCommand("dcmcjpeg", "dcmtk");
        Path plain = tmp.resolve("plain.dcm");
        ThirdPartyCompressionTest.writeCt(plain, 128, 128, Storage.SIGNED, TransferSyntax.EXPLICIT_VR_LE, 5);
        Path jpeg = tmp.resolve("sv1.dcm");
        ExternalTools.runOk(List.of("dcmcjpeg", "+e1", plain.toString(), jpeg.toString()), tmp);
        byte[] full = Files.readAllBytes(jpeg);
        long start = DicomReader.readHeader(full, "sv1.dcm").pixelDataOffset();
        Random rnd = new Random(70);
        for (int trial = 0; trial < 300; trial++) {
            byte[] b = full.clone();
            for (int f = 0; f < 1 + rnd.nextInt(4); f++) {
                // mostly the JPEG marker segments at the start of the stream, sometimes the entropy data
                int span = rnd.nextBoolean() ? 400 : (int) (full.length - start);
                b[(int) start + rnd.nextInt(span)] ^= (byte) (1 + rnd.nextInt(255));
            }
            attempt(b, "sv1.dcm#" + trial);
        }
    }

    @Test
    void hugeElementLengthIsRefusedBeforeAllocating() throws IOException {
        byte[] b = real("CT_small.dcm");
        // the first dataset element after the file meta: patch its 16-bit or 32-bit length
        DicomFile h = DicomReader.readHeader(b, "CT_small.dcm");
        int metaEnd = 132 + 12 + h.meta().getInt(Tags.FILE_META_GROUP_LENGTH, 0);
        List<byte[]> variants = new ArrayList<>();
        byte[] longForm = b.clone();
        // an OB element of the meta group: version (0002,0001) has a 32-bit length at offset 132+12+8
        int version = indexOf(b, new byte[] {0x02, 0x00, 0x01, 0x00, 'O', 'B', 0, 0});
        putLe32(longForm, version + 8, 0xFFFFFFF0);
        variants.add(longForm);
        byte[] sequence = b.clone();
        int sq = indexOf(b, new byte[] {'S', 'Q', 0, 0}, metaEnd);
        if (sq > 0) {
            putLe32(sequence, sq + 4, 0xFFFFFFF0);
            variants.add(sequence);
        }
        for (byte[] v : variants) {
            DicomException e = attempt(v, "CT_small.dcm");
            assertThat(e).isNotNull();
            assertThat(e.kind()).isEqualTo(DicomException.Kind.LENGTH_BEYOND_END);
            assertThat(e.getMessage()).contains("4294967280").contains("byte offset");
        }
    }

    @Test
    void tenMegabytesOfZerosIsNotDicom(@TempDir Path tmp) throws IOException {
        Path zeros = tmp.resolve("zeros.dcm");
        Files.write(zeros, new byte[10 << 20]);
        DicomException e = assertTimeoutPreemptively(Duration.ofSeconds(1),
                () -> assertThrows(DicomException.class, () -> DicomReader.readImage(zeros)));
        assertThat(e.kind()).isEqualTo(DicomException.Kind.NOT_DICOM);
        assertThat(e.getMessage()).startsWith(zeros.toString());
    }

    @Test
    void strayNonDicomFileIsNotDicom(@TempDir Path tmp) throws IOException {
        Path dsStore = tmp.resolve(".DS_Store");
        byte[] b = new byte[6148];
        System.arraycopy(new byte[] {0, 0, 0, 1, 'B', 'u', 'd', '1'}, 0, b, 0, 8);
        Files.write(dsStore, b);
        DicomException e = assertThrows(DicomException.class, () -> DicomReader.readHeader(dsStore));
        assertThat(e.kind()).isEqualTo(DicomException.Kind.NOT_DICOM);
    }

    @Test
    void deepSequenceNestingIsRefused() {
        // explicit VR LE dataset without meta: (0008,1115) SQ nested 40 times with undefined lengths
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x08, 0x00, 0x05, 0x00, 'C', 'S', 0x0A, 0x00});
        out.writeBytes("ISO_IR 100".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 40; i++) {
            out.writeBytes(new byte[] {0x08, 0x00, 0x15, 0x11, 'S', 'Q', 0, 0, -1, -1, -1, -1});
            out.writeBytes(new byte[] {-2, -1, 0x00, -32, -1, -1, -1, -1});
        }
        DicomException e = attempt(out.toByteArray(), "nested");
        assertThat(e.kind()).isEqualTo(DicomException.Kind.MALFORMED);
        assertThat(e.getMessage()).contains("nested deeper than");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        return indexOf(hay, needle, 0);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void putLe32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
        b[o + 2] = (byte) (v >> 16);
        b[o + 3] = (byte) (v >> 24);
    }
}
