package org.rsna22.io.nifti;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.rsna22.io.AtomicFiles;

/** Writes uint8 label volumes as NIfTI-1 (.nii, or .nii.gz when the name says so) with an sform affine. */
public final class NiftiWriter {
    private NiftiWriter() {
    }

    /**
     * @param labels voxels in file order (i fastest), {@code nx·ny·nz} of them
     * @param affine voxel (i, j, k) to RAS millimetres, 3 or 4 rows of 4
     */
    public static void writeLabels(Path file, int nx, int ny, int nz, byte[] labels, double[][] affine)
            throws IOException {
        if ((long) nx * ny * nz != labels.length) {
            throw new IllegalArgumentException("labels hold " + labels.length + " voxels, not " + nx + "×" + ny + "×" + nz);
        }
        ByteBuffer h = ByteBuffer.allocate(352).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, 348);
        short[] dim = {3, (short) nx, (short) ny, (short) nz, 1, 1, 1, 1};
        for (int d = 0; d < 8; d++) {
            h.putShort(40 + 2 * d, dim[d]);
        }
        h.putShort(70, (short) 2);  // uint8
        h.putShort(72, (short) 8);  // bitpix
        h.putFloat(76, 1f);         // qfac
        for (int c = 0; c < 3; c++) {
            double n = Math.sqrt(affine[0][c] * affine[0][c] + affine[1][c] * affine[1][c] + affine[2][c] * affine[2][c]);
            h.putFloat(80 + 4 * c, (float) n);
        }
        h.putFloat(108, 352f);      // vox_offset
        h.putFloat(112, 1f);        // scl_slope
        h.put(123, (byte) 2);       // xyzt_units: mm
        h.putShort(252, (short) 0); // qform_code
        h.putShort(254, (short) 1); // sform_code: scanner anatomical
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                h.putFloat(280 + 16 * r + 4 * c, (float) affine[r][c]);
            }
        }
        h.put(344, "n+1".getBytes(StandardCharsets.US_ASCII));
        byte[] header = h.array();
        boolean gz = file.getFileName().toString().endsWith(".gz");
        AtomicFiles.write(file, out -> {
            if (gz) {
                try (GZIPOutputStream z = new GZIPOutputStream(out, 1 << 16)) {
                    z.write(header);
                    z.write(labels);
                }
            } else {
                out.write(header);
                out.write(labels);
            }
        });
    }
}
