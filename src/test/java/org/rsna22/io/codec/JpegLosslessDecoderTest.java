package org.rsna22.io.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rsna22.demo.CtSliceSynth;
import org.rsna22.io.dicom.DicomObject;
import org.rsna22.io.dicom.DicomReader;
import org.rsna22.io.dicom.DicomWriter;
import org.rsna22.io.dicom.Tags;
import org.rsna22.io.dicom.TransferSyntax;
import org.rsna22.testsupport.ExternalTools;

/** Restart intervals, predictors, precisions and point transforms, checked against dcmtk's decoder. */
class JpegLosslessDecoderTest {

    static Stream<Arguments> streams() {
        List<Arguments> out = new ArrayList<>();
        for (int predictor = 1; predictor <= 7; predictor++) {
            out.add(Arguments.of(16, predictor, 0, 0));
            out.add(Arguments.of(16, predictor, 0, 61));   // restart interval = one row
        }
        out.add(Arguments.of(16, 6, 0, 37));               // restart in mid-row (libjpeg refuses these)
        out.add(Arguments.of(16, 1, 0, 1));                // a restart after every sample (likewise)
        out.add(Arguments.of(12, 4, 2, 61 * 3));           // point transform, 12-bit
        out.add(Arguments.of(8, 7, 0, 61 * 2));
        return out.stream();
    }

    @ParameterizedTest(name = "P={0} predictor={1} Pt={2} restart={3}")
    @MethodSource("streams")
    void decodesLikeDcmtk(int precision, int predictor, int pt, int restart, @TempDir Path tmp)
            throws IOException, CodecException {
        ExternalTools.requireCommand("dcmdjpeg", "dcmtk");
        int rows = 45;
        int cols = 61;
        int[] hu = CtSliceSynth.hu(rows, cols, predictor * 100L + restart);
        int max = (1 << precision) - 1;
        int[] samples = new int[hu.length];
        for (int i = 0; i < hu.length; i++) {
            samples[i] = Math.max(0, Math.min(max, (hu[i] + 1024) * (max + 1) / 4096)) >> pt << pt;
        }
        byte[] jpeg = JpegLosslessEncoder.encode(samples, cols, rows, precision, predictor, pt, restart);
        assertThat(JpegLosslessDecoder.decode(jpeg, cols, rows).samples()).isEqualTo(samples);
        if (restart % cols != 0) {
            return; // libjpeg (dcmtk, GDCM) accepts only restart intervals of whole rows in lossless mode
        }

        DicomObject h = CtSliceSynth.header("1.2.3", "1.2.3.4", "1.2.3.4.5", 1, rows, cols, new double[] {0, 0, 0}, 1,
                CtSliceSynth.Storage.UNSIGNED_12);
        h.putUShort(Tags.BITS_ALLOCATED, precision > 8 ? 16 : 8).putUShort(Tags.BITS_STORED, precision)
                .putUShort(Tags.HIGH_BIT, precision - 1);
        Path encoded = tmp.resolve("ours.dcm");
        Files.write(encoded, DicomWriter.encodeCompressed(h, jpeg, TransferSyntax.JPEG_LOSSLESS));
        Path decoded = tmp.resolve("dcmtk.dcm");
        ExternalTools.runOk(List.of("dcmdjpeg", encoded.toString(), decoded.toString()), tmp);
        assertThat(DicomReader.readImage(decoded).storedValues()).as("dcmtk's decode").isEqualTo(samples);
        assertThat(DicomReader.readImage(encoded).storedValues()).isEqualTo(samples);
    }

    @Test
    void missingRestartMarkerIsAnError() {
        int[] samples = CtSliceSynth.stored(CtSliceSynth.hu(20, 20, 1), CtSliceSynth.Storage.UNSIGNED_12);
        byte[] jpeg = JpegLosslessEncoder.encode(samples, 20, 20, 16, 1, 0, 40);
        byte[] broken = jpeg.clone();
        for (int i = 0; i + 1 < broken.length; i++) {
            if ((broken[i] & 0xFF) == 0xFF && (broken[i + 1] & 0xFF) >= 0xD0 && (broken[i + 1] & 0xFF) <= 0xD7) {
                broken = removeRange(broken, i, i + 2);
                break;
            }
        }
        byte[] finalBroken = broken;
        assertThatThrownBy(() -> JpegLosslessDecoder.decode(finalBroken, 20, 20)).isInstanceOf(CodecException.class);
    }

    @Test
    void frameSizeMustMatchTheDicomHeader() {
        byte[] jpeg = JpegLosslessEncoder.encode(new int[12], 4, 3, 16, 1, 0, 0);
        assertThatThrownBy(() -> JpegLosslessDecoder.decode(jpeg, 3, 4))
                .isInstanceOf(CodecException.class).hasMessageContaining("JPEG frame is 4×3 but the image is 3×4");
    }

    @Test
    void truncatedEntropyDataIsAnError() {
        int[] samples = CtSliceSynth.stored(CtSliceSynth.hu(32, 32, 2), CtSliceSynth.Storage.UNSIGNED_12);
        byte[] jpeg = JpegLosslessEncoder.encode(samples, 32, 32, 16, 1, 0, 0);
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2);
        assertThatThrownBy(() -> JpegLosslessDecoder.decode(cut, 32, 32))
                .isInstanceOf(CodecException.class).hasMessageContaining("ends early");
    }

    @Test
    void segmentsTooShortForTheirContentNameTheSegment() {
        byte[] dri = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDD, 0, 2};
        assertThatThrownBy(() -> JpegLosslessDecoder.decode(dri, 4, 4)).isInstanceOf(CodecException.class)
                .hasMessage("DRI segment at byte 2 holds 0 bytes, fewer than the 2 it needs");
        byte[] sof = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC3, 0, 5, 16, 0, 4};
        assertThatThrownBy(() -> JpegLosslessDecoder.decode(sof, 4, 4)).isInstanceOf(CodecException.class)
                .hasMessage("SOF3 segment at byte 2 holds 3 bytes, fewer than the 9 it needs");
        byte[] dht = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC4, 0, 6, 0, 1, 0, 0};
        assertThatThrownBy(() -> JpegLosslessDecoder.decode(dht, 4, 4)).isInstanceOf(CodecException.class)
                .hasMessage("DHT segment at byte 2 holds 4 bytes, fewer than the 17 it needs");
    }

    private static byte[] removeRange(byte[] b, int from, int to) {
        byte[] out = new byte[b.length - (to - from)];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(b, to, out, from, b.length - to);
        return out;
    }
}
