package org.rsna22.io.nifti;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.cli.Main;

/**
 * A few-megabyte .nii.gz that inflates to 1 GiB (1024³ uint8 zeros): refused from its header, before a voxel is
 * read, by the reader's voxel limit and by a caller's shape check; inspect names it and goes on to the next file.
 */
class NiftiBombTest {

    @TempDir
    static Path dir;
    static Path bomb;

    @BeforeAll
    static void bomb() throws IOException {
        bomb = dir.resolve("bomb.nii.gz");
        ByteBuffer h = ByteBuffer.allocate(352).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, 348);
        short[] dim = {3, 1024, 1024, 1024, 1, 1, 1, 1};
        for (int d = 0; d < 8; d++) {
            h.putShort(40 + 2 * d, dim[d]);
        }
        h.putShort(70, (short) 2); // uint8
        h.putShort(72, (short) 8);
        for (int d = 0; d < 4; d++) {
            h.putFloat(76 + 4 * d, 1f);
        }
        h.putFloat(108, 352f);
        h.put(344, (byte) 'n').put(345, (byte) '+').put(346, (byte) '1');
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bomb), 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            out.write(h.array());
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 1024; i++) {
                out.write(zeros);
            }
        }
        assertThat(Files.size(bomb)).isLessThan(8L << 20);
    }

    @Test
    void theReaderRefusesTheDeclaredSizeBeforeReadingVoxels() {
        assertThatThrownBy(() -> NiftiReader.read(bomb)).isInstanceOf(NiftiException.class)
                .hasMessageContaining(bomb + ": declares 1024 x 1024 x 1024 = 1073741824 voxels, more than the limit");
    }

    @Test
    void aShapeCheckRefusesAVolumeThatDoesNotFitItsSeries() {
        assertThatThrownBy(() -> NiftiReader.read(bomb, (dim, voxels) -> {
            if (voxels != 96L * 96 * 100) {
                throw new NiftiException(bomb.toString(), "does not fit its series");
            }
        })).isInstanceOf(NiftiException.class).hasMessage(bomb + ": does not fit its series");
    }

    @Test
    void inspectNamesTheBombAndGoesOnToTheNextFile() throws IOException {
        Path small = dir.resolve("small.nii");
        NiftiWriter.writeLabels(small, 2, 2, 2, new byte[8], new double[][] {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}});
        StringWriter out = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()))
                .execute("inspect", "--json", bomb.toString(), small.toString());
        assertThat(exit).isEqualTo(1);
        assertThat(out.toString().lines().toList()).hasSize(2).satisfiesExactly(
                l -> assertThat(l).contains("\"file\":\"" + bomb + "\"").contains("more than the limit"),
                l -> assertThat(l).contains("\"file\":\"" + small + "\"").contains("\"dim\":[2,2,2]"));
    }
}
