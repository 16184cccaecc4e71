package org.rsna22.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.io.dicom.DicomFile;
import org.rsna22.io.dicom.DicomImage;
import org.rsna22.io.dicom.DicomReader;
import org.rsna22.io.dicom.Tags;
import org.rsna22.io.dicom.TransferSyntax;
import org.rsna22.testsupport.ExternalTools;

/**
 * generate-demo --full-size makes studies as the competition's: 250-650 slices of 0.5-1.0 mm, JPEG lossless (one in
 * eight RLE), the second study larger than the others; here at 32 pixels so that it stays quick, the shape of the
 * data being what is checked. dcmtk decodes the JPEG files to what our reader decodes.
 */
class FullSizeGenerationTest {

    @TempDir
    Path tmp;

    @Test
    void fullSizeStudiesHaveTheCompetitionsSlicesSpacingAndCompression() throws Exception {
        DemoDatasetGenerator.Options o = new DemoDatasetGenerator.Options(3, 24, 41, 250, 2, false, true);
        List<DemoDatasetGenerator.StudyInfo> studies = new DemoDatasetGenerator(o).generate(tmp, null);
        for (DemoDatasetGenerator.StudyInfo s : studies) {
            assertThat(s.slices()).as(s.uid()).isBetween(250, 700);
            assertThat(s.syntax()).as(s.uid()).isIn(TransferSyntax.JPEG_LOSSLESS_SV1, TransferSyntax.RLE_LOSSLESS);
            Path folder = tmp.resolve("train_images").resolve(s.uid());
            try (var files = Files.list(folder)) {
                assertThat(files.count()).isEqualTo(s.slices());
            }
            double z1 = position(folder.resolve("1.dcm"));
            double z2 = position(folder.resolve("2.dcm"));
            assertThat(Math.abs(z2 - z1)).as("slice spacing of " + s.uid()).isBetween(0.499, 1.001);
        }
        assertThat(studies.get(0).syntax()).isEqualTo(TransferSyntax.JPEG_LOSSLESS_SV1);
        assertThat(studies.get(1).columns()).isEqualTo(30); // 5/4 of the others
        assertThat(studies.get(0).columns()).isEqualTo(24);
        assertThat(studies.get(2).slices()).isGreaterThan(650); // as a few of the competition's
        assertThat(studies.get(0).slices()).isBetween(250, 650);

        // our reader and dcmtk's decoder agree on a generated JPEG lossless slice
        ExternalTools.requireCommand("dcmdjpeg", "dcmtk");
        Path jpeg = tmp.resolve("train_images").resolve(studies.get(0).uid()).resolve("100.dcm");
        Path decoded = tmp.resolve("decoded.dcm");
        Process p = new ProcessBuilder("dcmdjpeg", jpeg.toString(), decoded.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor()).isZero();
        DicomImage ours = DicomReader.readImage(jpeg);
        DicomImage theirs = DicomReader.readImage(decoded);
        assertThat(ours.huShort()).containsExactly(theirs.huShort());
        assertThat(Files.size(jpeg)).isLessThan(Files.size(decoded));
    }

    private static double position(Path file) throws IOException {
        DicomFile h = DicomReader.readHeader(file);
        return h.doubles(Tags.IMAGE_POSITION_PATIENT)[2];
    }
}
