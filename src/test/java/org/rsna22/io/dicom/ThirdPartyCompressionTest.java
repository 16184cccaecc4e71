package org.rsna22.io.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rsna22.demo.CtSliceSynth.Storage;
import org.rsna22.demo.CtSliceSynth;
import org.rsna22.testsupport.ExternalTools;

/**
 * CT-like 16-bit images written by our writer, compressed by dcmtk and GDCM, decode bit-exactly;
 * and what our writer compresses (RLE) dcmtk decodes to the same pixels.
 */
class ThirdPartyCompressionTest {

    @TempDir
    static Path tmp;

    @BeforeAll
    static void tools() {
        ExternalTools.requireCommand("dcmcjpeg", "dcmtk");
        ExternalTools.requireCommand("gdcmconv", "libgdcm-tools");
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        List<List<String>> compressors = new ArrayList<>();
        compressors.add(List.of("dcmcjpeg", "+e1"));                    // lossless SV1, 1.2.840.10008.1.2.4.70
        for (int sv = 2; sv <= 7; sv++) {
            compressors.add(List.of("dcmcjpeg", "+el", "+sv", Integer.toString(sv))); // process 14, .4.57
        }
        compressors.add(List.of("gdcmconv", "--jpeg"));                 // GDCM's lossless JPEG
        compressors.add(List.of("gdcmconv", "--j2k"));                  // reversible JPEG 2000, .4.90
        compressors.add(List.of("gdcmconv", "--rle"));
        int[][] sizes = {{512, 512}, {77, 123}};
        for (int[] size : sizes) {
            for (Storage storage : Storage.values()) {
                for (List<String> c : compressors) {
                    out.add(Arguments.of(size[0], size[1], storage, c));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}x{1} {2} {3}")
    @MethodSource("cases")
    void decodesThirdPartyCompressionBitExactly(int rows, int cols, Storage storage, List<String> compressor)
            throws IOException {
        String tag = rows + "x" + cols + "-" + storage + "-" + String.join("", compressor).replace("-", "");
        Path plain = tmp.resolve(tag + "-plain.dcm");
        int[] stored = writeCt(plain, rows, cols, storage, TransferSyntax.EXPLICIT_VR_LE, rows * 31L + cols);
        Path compressed = tmp.resolve(tag + "-compressed.dcm");
        List<String> cmd = new ArrayList<>(compressor);
        cmd.add(plain.toString());
        cmd.add(compressed.toString());
        ExternalTools.runOk(cmd, tmp);

        DicomImage img = DicomReader.readImage(compressed);
        assertThat(img.header().transferSyntax().encapsulated()).as("compressed by " + compressor).isTrue();
        assertThat(img.storedValues()).isEqualTo(stored);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("storages")
    void ourRleIsReadByDcmtk(Storage storage) throws IOException {
        Path rle = tmp.resolve("ours-" + storage + ".dcm");
        int[] stored = writeCt(rle, 64, 96, storage, TransferSyntax.RLE_LOSSLESS, 7);
        Path decoded = tmp.resolve("ours-" + storage + "-dcmdrle.dcm");
        ExternalTools.requireCommand("dcmdrle", "dcmtk");
        ExternalTools.runOk(List.of("dcmdrle", rle.toString(), decoded.toString()), tmp);
        assertThat(DicomReader.readImage(decoded).storedValues()).isEqualTo(stored);
        assertThat(DicomReader.readImage(rle).storedValues()).isEqualTo(stored);
    }

    static Stream<Storage> storages() {
        return Stream.of(Storage.values());
    }

    @ParameterizedTest(name = "point transform {0}")
    @MethodSource("pointTransforms")
    void pointTransformMatchesDcmtk(int pt) throws IOException {
        Path plain = tmp.resolve("pt" + pt + ".dcm");
        writeCt(plain, 96, 80, Storage.UNSIGNED_12, TransferSyntax.EXPLICIT_VR_LE, 11);
        Path compressed = tmp.resolve("pt" + pt + "-c.dcm");
        Path reference = tmp.resolve("pt" + pt + "-ref.dcm");
        ExternalTools.runOk(List.of("dcmcjpeg", "+el", "+sv", "1", "+pt", Integer.toString(pt),
                plain.toString(), compressed.toString()), tmp);
        ExternalTools.runOk(List.of("dcmdjpeg", compressed.toString(), reference.toString()), tmp);
        assertThat(DicomReader.readImage(compressed).storedValues())
                .isEqualTo(DicomReader.readImage(reference).storedValues());
    }

    static Stream<Integer> pointTransforms() {
        return Stream.of(1, 3);
    }

    @Test
    void baselineJpegIsWithinOneOfDcmtk() throws IOException {
        Path plain = tmp.resolve("8bit.dcm");
        DicomObject h = CtSliceSynth.header("1.2.3", "1.2.3.4", "1.2.3.4.5", 1, 90, 70, new double[] {0, 0, 0}, 1,
                Storage.SIGNED);
        h.putUShort(Tags.BITS_ALLOCATED, 8).putUShort(Tags.BITS_STORED, 8).putUShort(Tags.HIGH_BIT, 7)
                .putUShort(Tags.PIXEL_REPRESENTATION, 0);
        int[] hu = CtSliceSynth.hu(90, 70, 3);
        int[] px = new int[hu.length];
        for (int i = 0; i < px.length; i++) {
            px[i] = Math.max(0, Math.min(255, (hu[i] + 1000) / 8));
        }
        DicomWriter.write(plain, h, px, TransferSyntax.EXPLICIT_VR_LE);
        Path lossy = tmp.resolve("8bit-baseline.dcm");
        Path reference = tmp.resolve("8bit-ref.dcm");
        ExternalTools.runOk(List.of("dcmcjpeg", "+eb", plain.toString(), lossy.toString()), tmp);
        ExternalTools.runOk(List.of("dcmdjpeg", lossy.toString(), reference.toString()), tmp);
        int[] ours = DicomReader.readImage(lossy).storedValues();
        int[] ref = DicomReader.readImage(reference).storedValues();
        assertThat(DicomReader.readImage(lossy).header().transferSyntax()).isEqualTo(TransferSyntax.JPEG_BASELINE);
        for (int i = 0; i < ref.length; i++) {
            assertThat(Math.abs(ours[i] - ref[i])).as("pixel " + i).isLessThanOrEqualTo(1);
        }
    }

    /** Writes a CT-like slice and returns its stored values. */
    static int[] writeCt(Path file, int rows, int cols, Storage storage, TransferSyntax ts, long seed)
            throws IOException {
        DicomObject h = CtSliceSynth.header("1.2.826.0.1.3680043.99", "1.2.826.0.1.3680043.99.1",
                "1.2.826.0.1.3680043.99.1." + seed, 1, rows, cols, new double[] {-100, -120, 50}, 0.5, storage);
        int[] stored = CtSliceSynth.stored(CtSliceSynth.hu(rows, cols, seed), storage);
        DicomWriter.write(file, h, stored, ts);
        return stored;
    }
}
