package org.rsna22.io.geometry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rsna22.io.nifti.NiftiReader;
import org.rsna22.io.nifti.NiftiVolume;
import org.rsna22.io.nifti.NiftiWriter;

/**
 * Geometric alignment equals the original solution's array flips for competition-style segmentations
 * (SPEC §1, §3) in both z directions, and any misfit is an error that says what differs.
 */
class SegmentationAlignerTest {

    private static final int ROWS = 12;
    private static final int COLS = 10;
    private static final int SLICES = 20;
    private static final double ROW_SPACING = 0.6;
    private static final double COL_SPACING = 0.5;
    private static final double DZ = 1.0;
    private static final double[] ORIGIN = {-60.25, -110.5};

    @TempDir
    Path tmp;

    /** The series in slice_number order; z decreases with slice number unless zIncreasing. */
    private static List<SliceGeometry> series(boolean zIncreasing, int slices, int rows, int cols) {
        List<SliceGeometry> out = new ArrayList<>();
        for (int s = 0; s < slices; s++) {
            double z = zIncreasing ? -40 + s * DZ : -40 + (slices - 1 - s) * DZ;
            out.add(new SliceGeometry(new double[] {ORIGIN[0], ORIGIN[1], z}, new double[] {1, 0, 0},
                    new double[] {0, 1, 0}, ROW_SPACING, COL_SPACING, rows, cols));
        }
        return out;
    }

    /**
     * A competition-style NIfTI: array M of shape (columns, rows, slices), row axis flipped, slices from
     * the lowest z; its affine (RAS) expresses exactly that.
     */
    private Path competitionNifti(byte[] m, int nx, int ny, int nz) throws IOException {
        double[][] affine = {
            {-COL_SPACING, 0, 0, -ORIGIN[0]},
            {0, ROW_SPACING, 0, -(ORIGIN[1] + (ROWS - 1) * ROW_SPACING)},
            {0, 0, DZ, -40},
            {0, 0, 0, 1}};
        Path p = tmp.resolve("seg-" + nx + "-" + ny + "-" + nz + ".nii");
        NiftiWriter.writeLabels(p, nx, ny, nz, m, affine);
        return p;
    }

    private static byte[] randomLabels(int n, long seed) {
        byte[] m = new byte[n];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            m[i] = (byte) r.nextInt(20);
        }
        return m;
    }

    @ParameterizedTest(name = "z increasing with slice number: {0}")
    @ValueSource(booleans = {false, true})
    void equalsTheOriginalFlipsInBothZDirections(boolean zIncreasing) throws IOException {
        byte[] m = randomLabels(COLS * ROWS * SLICES, zIncreasing ? 1 : 2);
        NiftiVolume v = NiftiReader.read(competitionNifti(m, COLS, ROWS, SLICES));
        List<SliceGeometry> slices = series(zIncreasing, SLICES, ROWS, COLS);
        LabelVolume aligned = SegmentationAligner.align(v, slices);

        // The original: zdir = mean(z[i+1]-z[i]); seg = M[:, ::-1, ::-1] (zdir < 0) or M[:, ::-1], transposed (2,1,0)
        double zdir = (slices.get(SLICES - 1).position()[2] - slices.get(0).position()[2]) / (SLICES - 1);
        for (int s = 0; s < SLICES; s++) {
            int k = zdir < 0 ? SLICES - 1 - s : s;
            for (int r = 0; r < ROWS; r++) {
                for (int c = 0; c < COLS; c++) {
                    int original = m[c + COLS * ((ROWS - 1 - r) + ROWS * k)];
                    assertThat(aligned.label(s, r, c)).as("s=%d r=%d c=%d", s, r, c).isEqualTo(original);
                }
            }
        }
    }

    @Test
    void sliceCountMismatchIsAClearError() throws IOException {
        NiftiVolume v = NiftiReader.read(competitionNifti(new byte[COLS * ROWS * (SLICES + 3)], COLS, ROWS, SLICES + 3));
        assertThatThrownBy(() -> SegmentationAligner.align(v, series(false, SLICES, ROWS, COLS)))
                .isInstanceOf(GeometryMismatchException.class)
                .hasMessage("segmentation is 10×12×23 voxels but the series has 20 slices of 10×12 (columns×rows); "
                        + "it expects 23 slices");
    }

    @Test
    void imageSizeMismatchIsAClearError() throws IOException {
        NiftiVolume v = NiftiReader.read(competitionNifti(new byte[COLS * ROWS * SLICES], COLS, ROWS, SLICES));
        assertThatThrownBy(() -> SegmentationAligner.align(v, series(false, SLICES, ROWS + 2, COLS)))
                .isInstanceOf(GeometryMismatchException.class)
                .hasMessageContaining("series has 20 slices of 10×14");
    }

    @Test
    void shiftedSeriesIsAnErrorNotASilentMisalignment() throws IOException {
        NiftiVolume v = NiftiReader.read(competitionNifti(new byte[COLS * ROWS * SLICES], COLS, ROWS, SLICES));
        List<SliceGeometry> shifted = new ArrayList<>();
        for (SliceGeometry g : series(false, SLICES, ROWS, COLS)) {
            double[] p = g.position().clone();
            p[0] += 3 * COL_SPACING;
            shifted.add(new SliceGeometry(p, g.rowDirection(), g.columnDirection(), ROW_SPACING, COL_SPACING, ROWS, COLS));
        }
        assertThatThrownBy(() -> SegmentationAligner.align(v, shifted))
                .isInstanceOf(GeometryMismatchException.class).hasMessageContaining("shifted against the segmentation grid");
    }

    @Test
    void sliceOutsideTheVolumeIsAnError() throws IOException {
        NiftiVolume v = NiftiReader.read(competitionNifti(new byte[COLS * ROWS * SLICES], COLS, ROWS, SLICES));
        List<SliceGeometry> slices = new ArrayList<>(series(true, SLICES, ROWS, COLS));
        SliceGeometry last = slices.get(SLICES - 1);
        slices.set(SLICES - 1, new SliceGeometry(new double[] {ORIGIN[0], ORIGIN[1], -40 + (SLICES + 5) * DZ},
                last.rowDirection(), last.columnDirection(), ROW_SPACING, COL_SPACING, ROWS, COLS));
        assertThatThrownBy(() -> SegmentationAligner.align(v, slices))
                .isInstanceOf(GeometryMismatchException.class).hasMessageContaining("falls outside the segmentation");
    }

    @Test
    void differentPixelSpacingIsRefused() throws IOException {
        NiftiVolume v = NiftiReader.read(competitionNifti(new byte[COLS * ROWS * SLICES], COLS, ROWS, SLICES));
        List<SliceGeometry> slices = new ArrayList<>();
        for (SliceGeometry g : series(false, SLICES, ROWS, COLS)) {
            slices.add(new SliceGeometry(g.position(), g.rowDirection(), g.columnDirection(), ROW_SPACING, 0.7,
                    ROWS, COLS));
        }
        assertThatThrownBy(() -> SegmentationAligner.align(v, slices))
                .isInstanceOf(GeometryMismatchException.class).hasMessageContaining("resampling is not supported");
    }
}
