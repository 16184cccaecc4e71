package org.rsna22.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic neck CT in patient millimetres: air, a neck of fat and muscle that widens into the shoulders,
 * trachea and oesophagus, and a lordotic spine of C1 (a closed ring), C2 (with the dens), C3-C7 and thoracic
 * vertebrae (cortical shell, cancellous core, posterior arch, spinous and transverse processes) separated by
 * discs; ribs and lung apices beside the thoracic vertebrae. Fractures are low-density cracks through a vertebra,
 * wide enough for the scan's voxels to resolve (see {@link #NeckPhantom}). {@link #render} paints one axial slice
 * in HU with its vertebra labels (1-7 = C1-C7, 8.. = T1..).
 */
final class NeckPhantom {

    /** HU of the tissues. */
    private static final double AIR = -1000;
    private static final double FAT = -100;
    private static final double MUSCLE = 45;
    private static final double CORD = 30;
    private static final double DISC = 85;
    private static final double CORTICAL = 1150;
    private static final double CANCELLOUS = 280;
    private static final double ARCH = 800;
    private static final double CRACK = 55;

    /** One vertebra: label, z range of its body (mm), size, and an optional fracture plane. */
    private record Vertebra(int label, double zTop, double zBottom, double bodyRx, double bodyRy, double spinousLength,
                            Fracture fracture) {
    }

    /** A crack: points within half its thickness of the plane and within its radius of the centre. */
    record Fracture(double[] centre, double[] normal, double halfThickness, double radius) {
        boolean contains(double x, double y, double z) {
            double dx = x - centre[0];
            double dy = y - centre[1];
            double dz = z - centre[2];
            double d = dx * normal[0] + dy * normal[1] + dz * normal[2];
            return Math.abs(d) <= halfThickness && dx * dx + dy * dy + dz * dz <= radius * radius;
        }
    }

    private final List<Vertebra> vertebrae = new ArrayList<>();
    private final double cx0;
    private final double cy0;
    private final double lordosis;
    private final double spineTop;
    private final double spineBottom;
    private final double thoracicTop;
    private final double noise;
    private final double neckRx;
    private final double neckRy;

    /**
     * @param fractured which of C1..C7 carry a fracture
     * @param top       z (mm) of the top of C1
     * @param voxel     the scan's coarsest sampling step (mm, pixel spacing or slice step). A crack is at least 1.5 to
     *                  2 voxels thick: the competition's scans sample a 1-2 mm fracture line with 3-6 pixels of
     *                  0.3-0.5 mm, but a 96-pixel phantom has 1.6-mm pixels, and a crack thinner than that is missed
     *                  by most samples (it showed as a stray darker pixel or two, and small CNNs could not learn it
     *                  even with exact labels). Scaling it to the voxel keeps what the real data offers: a gap that
     *                  the image resolves.
     */
    NeckPhantom(SplittableRandom rnd, boolean[] fractured, double top, double voxel) {
        cx0 = (rnd.nextDouble() - 0.5) * 8;
        cy0 = 10 + (rnd.nextDouble() - 0.5) * 8;
        lordosis = 4 + rnd.nextDouble() * 5;
        noise = 12 + rnd.nextDouble() * 8;
        neckRx = 52 + rnd.nextDouble() * 8;
        neckRy = 44 + rnd.nextDouble() * 6;
        double scale = 0.9 + rnd.nextDouble() * 0.2;
        double z = top;
        double[] heights = {9, 22, 14, 14, 14.5, 15, 15.5, 18, 19, 20, 21};
        for (int i = 0; i < heights.length; i++) {
            int label = i + 1;
            double h = heights[i] * scale;
            double rx = (i < 2 ? 8 : 8 + (i - 2) * 0.6 + (i >= 7 ? 2 : 0)) * scale;
            double ry = (i < 2 ? 7 : 6.5 + (i - 2) * 0.4 + (i >= 7 ? 1.5 : 0)) * scale;
            double spinous = (i == 6 ? 20 : i >= 7 ? 18 : 9 + i) * scale;
            Vertebra v = new Vertebra(label, z, z - h, rx, ry, spinous, null);
            if (i < 7 && fractured[i]) {
                v = new Vertebra(label, z, z - h, rx, ry, spinous, crack(rnd, v, voxel));
            }
            vertebrae.add(v);
            z -= h + (i == 0 ? 1.5 : 4 * scale); // a disc below every body but C1's (a joint there)
        }
        spineTop = top;
        spineBottom = z;
        thoracicTop = vertebrae.get(7).zTop();
    }

    private Fracture crack(SplittableRandom rnd, Vertebra v, double voxel) {
        double zc = v.zBottom() + (v.zTop() - v.zBottom()) * (0.25 + 0.5 * rnd.nextDouble());
        double[] c = centre(zc);
        boolean arch = v.label() <= 2 ? rnd.nextBoolean() : rnd.nextDouble() < 0.3;
        double bx = c[0] + (rnd.nextDouble() - 0.5) * v.bodyRx();
        double by = arch ? c[1] + 7 : bodyCentreY(c[1], v) + (rnd.nextDouble() - 0.5) * v.bodyRy();
        double[] n = {rnd.nextDouble() - 0.5, rnd.nextDouble() - 0.5, rnd.nextDouble() < 0.5 ? 1.2 : 0.2};
        double len = Math.sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        return new Fracture(new double[] {bx, by, zc}, new double[] {n[0] / len, n[1] / len, n[2] / len},
                halfThickness(rnd.nextDouble(), voxel), 7 + rnd.nextDouble() * 5);
    }

    /** Half the crack's thickness (mm) for a uniform draw u: 0.5-0.8 mm, or 0.75-1 voxel where voxels are coarser. */
    static double halfThickness(double u, double voxel) {
        return Math.max(0.5 + 0.3 * u, (0.75 + 0.25 * u) * voxel);
    }

    /** The spinal canal centre at height z: a lordotic curve, anterior-most mid-neck. */
    private double[] centre(double z) {
        double t = (spineTop - z) / Math.max(1, spineTop - spineBottom);
        return new double[] {cx0 + 1.5 * Math.sin(t * 3.1), cy0 - lordosis * Math.sin(Math.PI * Math.min(1, t * 1.2))};
    }

    /** Ribs leave the thoracic vertebrae sideways and curve forward: a thin elliptic band on each side. */
    private static boolean rib(double x, double y, double cx, double by, Vertebra v) {
        double rx = 30 + 4 * (v.label() - 8);
        double e2 = sq((x - cx) / rx, (y - by - 2) / 24);
        return e2 > 0.81 && e2 < 1.0 && Math.abs(x - cx) > v.bodyRx() + 2 && y > by - 14;
    }

    /** a² + b²: the shapes are tested against squared radii (Math.hypot cost half the generator's time). */
    private static double sq(double a, double b) {
        return a * a + b * b;
    }

    private static double bodyCentreY(double canalY, Vertebra v) {
        return canalY - 6.5 - v.bodyRy();
    }

    double noise() {
        return noise;
    }

    /**
     * Paints the slice at height z. Pixel (r, c) is at x = x0 + c·spacing, y = y0 + r·spacing.
     *
     * @param crack receives, per pixel, the label of a fracture crossing it (0 = none)
     */
    void render(double z, double x0, double y0, double spacing, int rows, int cols, double[] hu, byte[] label,
                byte[] crack) {
        double shoulders = Math.max(0, (spineTop - 125 - z) / 40); // the neck widens below C7
        double rx = neckRx + 25 * Math.min(1, shoulders);
        double ry = neckRy + 6 * Math.min(1, shoulders);
        double[] c = centre(z);
        double neckCy = c[1] - 12;
        double tracheaY = c[1] - 38;
        List<Vertebra> near = new ArrayList<>(); // the vertebrae this slice can cut (dens, discs and ribs included)
        for (Vertebra v : vertebrae) {
            double top = v.label() == 2 ? v.zTop() + 12 : v.zTop(); // the dens rises into the atlas
            if (z <= top + 4.5 && z >= v.zBottom() - 4.5) {
                near.add(v);
            }
        }
        for (int r = 0; r < rows; r++) {
            double y = y0 + r * spacing;
            for (int col = 0; col < cols; col++) {
                double x = x0 + col * spacing;
                int i = r * cols + col;
                double ex = (x - c[0]) / rx;
                double ey = (y - neckCy) / ry;
                double e = ex * ex + ey * ey;
                double v;
                if (e > 1) {
                    v = AIR;
                } else if (e > 0.82) {
                    v = FAT;
                } else {
                    v = MUSCLE;
                    // lung apices rise beside the upper thoracic spine
                    double below = thoracicTop - z;
                    if (below > 0) {
                        double k = Math.min(1, below / 25);
                        for (int side = -1; side <= 1; side += 2) {
                            if (sq((x - c[0] - side * 30) / (6 + 12 * k), (y - c[1] + 6) / (8 + 14 * k)) < 1) {
                                v = -850;
                            }
                        }
                    }
                    double dt2 = sq(x - c[0], y - tracheaY);
                    if (dt2 < 8 * 8) {
                        v = dt2 < 6.5 * 6.5 ? AIR + 50 : 300; // trachea with a cartilage wall
                    } else if (sq((x - c[0] - 3) / 5, (y - tracheaY - 12) / 3) < 1) {
                        v = 20; // oesophagus
                    }
                }
                hu[i] = v;
                label[i] = 0;
                crack[i] = 0;
                paintSpine(x, y, z, c, near, hu, label, crack, i);
            }
        }
    }

    private void paintSpine(double x, double y, double z, double[] c, List<Vertebra> near, double[] hu, byte[] label,
                            byte[] crack, int i) {
        double canalX = (x - c[0]) / 7.0;
        double canalY = (y - c[1]) / 5.5;
        boolean inCanal = canalX * canalX + canalY * canalY < 1;
        if (inCanal && z < spineTop + 30 && z > spineBottom) {
            hu[i] = CORD;
        }
        for (Vertebra v : near) {
            double top = v.label() == 2 ? v.zTop() + 12 : v.zTop(); // the dens rises into the atlas
            boolean inBodyRange = z <= v.zTop() && z >= v.zBottom();
            double by = bodyCentreY(c[1], v);
            double bx = (x - c[0]) / v.bodyRx();
            double byy = (y - by) / v.bodyRy();
            double eb = bx * bx + byy * byy;
            boolean bone = false;
            double value = 0;
            if (!inBodyRange) {
                // disc below (or above) the body; C1 has none, the dens column passes through
                if (v.label() != 1 && z < v.zBottom() && eb < 1) {
                    hu[i] = DISC;
                }
                // ribs slope down from their heads, so an axial slice at a thoracic disc cuts them too
                if (v.label() >= 8 && z < v.zBottom() && eb >= 1 && rib(x, y, c[0], by, v)) {
                    hu[i] = ARCH * 0.8;
                }
                if (v.label() == 2 && z > v.zTop() && z <= top && sq(x - c[0], y - (c[1] - 11)) < 4.5 * 4.5) {
                    bone = true;
                    value = CORTICAL * 0.8;
                }
            } else if (v.label() == 1) {
                // atlas: a closed ring of the anterior arch (its tubercle in front of the dens, an arc on to each
                // lateral mass), the lateral masses and the posterior arch around the canal. A ring open between
                // the tubercle and the masses showed two soft-tissue gaps on every C1 slice, drawn as a crack is.
                double ant2 = sq((x - c[0]) / 5, (y - (c[1] - 13)) / 2.5);
                double arc2 = sq((x - c[0]) / 14, (y - c[1] + 4) / 11);
                boolean antArc = arc2 < 1 && arc2 > 0.8 * 0.8 && y < c[1] - 4;
                double lat2 = Math.min(sq((x - c[0] - 11) / 5, (y - c[1] + 3) / 6),
                        sq((x - c[0] + 11) / 5, (y - c[1] + 3) / 6));
                double ring2 = sq((x - c[0]) / 12, (y - c[1] - 1) / 10);
                if (ant2 < 1 || lat2 < 1 || antArc || (ring2 < 1 && ring2 > 0.78 * 0.78 && y > c[1])) {
                    bone = true;
                    value = ant2 < 1 || lat2 < 1 ? CORTICAL * 0.9 : ARCH;
                }
            } else {
                if (eb < 1) {
                    bone = true;
                    value = eb > Math.pow(1 - 1.6 / v.bodyRy(), 2) ? CORTICAL : CANCELLOUS;
                }
                double ring2 = sq((x - c[0]) / 9.5, (y - c[1]) / 8);
                boolean arch = ring2 < 1 && ring2 > 0.72 * 0.72 && y > by + v.bodyRy() * 0.5;
                double sy = c[1] + 8 + v.spinousLength() / 2;
                boolean spinous = sq((x - c[0]) / 2.2, (y - sy) / (v.spinousLength() / 2)) < 1
                        && z > v.zBottom() + 2;
                boolean transverse = Math.min(sq((x - c[0] - v.bodyRx() - 4) / 4.5, (y - by - 3) / 2.5),
                        sq((x - c[0] + v.bodyRx() + 4) / 4.5, (y - by - 3) / 2.5)) < 1
                        && z < v.zTop() - 2 && z > v.zBottom() + 2;
                if (!bone && (arch || spinous || transverse)) {
                    bone = true;
                    value = ARCH;
                }
                if (!bone && v.label() >= 8 && rib(x, y, c[0], by, v)) {
                    hu[i] = ARCH * 0.8; // a rib: bone, but not part of the vertebra's label
                }
            }
            if (bone) {
                hu[i] = value;
                label[i] = (byte) v.label();
                if (v.fracture() != null && v.fracture().contains(x, y, z)) {
                    hu[i] = CRACK;
                    crack[i] = (byte) v.label();
                }
            }
        }
    }
}
