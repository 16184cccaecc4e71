package org.rsna22.io.codec;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.io.dicom.DicomException;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.testsupport.ExternalTools;

/**
 * Found by ReaderFuzzTest (seed 2022, -Pfuzz): pydicom's 693_J2KI.dcm with four bytes of its packet data set to 0xFF
 * makes jj2000 loop forever in PktDecoder.readPktHead. The watchdog refuses the file as corrupt instead.
 */
class Jpeg2000LoopTest {

    @Test
    void aCodestreamThatMakesTheDecoderLoopIsRefusedAsCorrupt(@TempDir Path dir) throws IOException {
        Path original = ExternalTools.PYDICOM_TEST_FILES.resolve("693_J2KI.dcm");
        ExternalTools.require(original, "python3-pydicom");
        byte[] b = Files.readAllBytes(original);
        for (int i = 3535; i <= 3538; i++) {
            b[i] = (byte) 0xFF;
        }
        Path mutant = dir.resolve("loop.dcm");
        Files.write(mutant, b);
        String before = System.getProperty(Jpeg2000Decoder.TIMEOUT_PROPERTY);
        System.setProperty(Jpeg2000Decoder.TIMEOUT_PROPERTY, "2000");
        try {
            assertThatThrownBy(() -> DicomSource.own().readImage(mutant)).isInstanceOf(DicomException.class)
                    .hasMessageContaining(mutant.toString())
                    .hasMessageContaining("JPEG 2000 stream is corrupt: the decoder did not finish within 2000 ms");
        } finally {
            if (before == null) {
                System.clearProperty(Jpeg2000Decoder.TIMEOUT_PROPERTY);
            } else {
                System.setProperty(Jpeg2000Decoder.TIMEOUT_PROPERTY, before);
            }
        }
    }
}
