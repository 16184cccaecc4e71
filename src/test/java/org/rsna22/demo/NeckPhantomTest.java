package org.rsna22.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NeckPhantomTest {

    private static final int SIZE = 96;

    /** Crack pixels of C1-C7 in a scan of the phantom with the given pixel spacing and slice step. */
    private static int[] crackPixels(long seed, double spacing, double dz, double voxel) {
        boolean[] all = new boolean[7];
        Arrays.fill(all, true);
        NeckPhantom phantom = new NeckPhantom(new SplittableRandom(seed), all, -10, voxel);
        double[] hu = new double[SIZE * SIZE];
        byte[] label = new byte[SIZE * SIZE];
        byte[] crack = new byte[SIZE * SIZE];
        int[] count = new int[8];
        double x0 = -spacing * (SIZE - 1) / 2.0;
        for (double z = 0; z > -190; z -= dz) {
            phantom.render(z, x0, x0 + 5, spacing, SIZE, SIZE, hu, label, crack);
            for (byte c : crack) {
                count[c]++;
            }
        }
        return Arrays.copyOfRange(count, 1, 8);
    }

    @Test
    void everyCrackIsWideEnoughForTheScansVoxelsToShowIt() {
        // a 96-pixel phantom: pixels of 1.6-1.8 mm, slices of 1.5-1.9 mm; a crack of 1.0-1.6 mm (the physical
        // range alone) is missed by most samples and left some fractures with a pixel or two in the whole scan
        int fewestScaled = Integer.MAX_VALUE;
        int fewestPhysical = Integer.MAX_VALUE;
        for (long seed = 1; seed <= 12; seed++) {
            double spacing = 1.6 + 0.02 * seed;
            double dz = 1.9 - 0.03 * seed;
            fewestScaled = Math.min(fewestScaled, Arrays.stream(crackPixels(seed, spacing, dz, Math.max(spacing, dz)))
                    .min().orElseThrow());
            fewestPhysical = Math.min(fewestPhysical, Arrays.stream(crackPixels(seed, spacing, dz, 0)).min()
                    .orElseThrow());
        }
        // measured: 7 scaled, 1 physical only
        assertTrue(fewestScaled >= 5, "a crack shows in at least 5 pixels, got " + fewestScaled);
        assertTrue(fewestPhysical < 5, "the physical crack alone is the case this guards against");
    }

    @Test
    void aCrackIsAtLeastThreeQuartersOfAVoxelEachSideOfItsPlane() {
        assertTrue(NeckPhantom.halfThickness(0, 1.7) >= 0.75 * 1.7);
        assertTrue(NeckPhantom.halfThickness(1, 0.3) >= 0.8, "fine voxels keep the physical crack");
    }
}
