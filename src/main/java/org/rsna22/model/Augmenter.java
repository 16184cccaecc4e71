package org.rsna22.model;

import java.util.Random;
import org.rsna22.config.BboxConfig;

/**
 * The augmentations of SPEC §4 on a 3-channel square image and its normalised box, together: horizontal
 * flip, contrast, and shift/scale/rotate (bilinear, zero outside). The box after an affine transform is the
 * bounding box of its transformed corners, clipped to the image.
 */
public final class Augmenter {
    private final BboxConfig.AugmentConfig c;

    public Augmenter(BboxConfig.AugmentConfig c) {
        this.c = c;
    }

    /**
     * @param channels 3 arrays of size×size values in 0..1, changed in place
     * @param box      x0, y0, x1, y1 in 0..1, changed in place (ignored when hasBox is false)
     */
    public void apply(float[][] channels, int size, float[] box, Random rnd) {
        if (rnd.nextDouble() < c.hflip()) {
            for (float[] ch : channels) {
                for (int y = 0; y < size; y++) {
                    for (int a = y * size, b = a + size - 1; a < b; a++, b--) {
                        float t = ch[a];
                        ch[a] = ch[b];
                        ch[b] = t;
                    }
                }
            }
            float x0 = box[0];
            box[0] = 1 - box[2];
            box[2] = 1 - x0;
        }
        if (rnd.nextDouble() < c.contrastP()) {
            float f = (float) (1 + (rnd.nextDouble() * 2 - 1) * c.contrast());
            for (float[] ch : channels) {
                double mean = 0;
                for (float v : ch) {
                    mean += v;
                }
                float m = (float) (mean / ch.length);
                for (int i = 0; i < ch.length; i++) {
                    ch[i] = m + (ch[i] - m) * f;
                }
            }
        }
        if (rnd.nextDouble() < c.affineP()) {
            double angle = Math.toRadians((rnd.nextDouble() * 2 - 1) * c.rotate());
            double scale = 1 + (rnd.nextDouble() * 2 - 1) * c.scale();
            double tx = (rnd.nextDouble() * 2 - 1) * c.shift();
            double ty = (rnd.nextDouble() * 2 - 1) * c.shift();
            affine(channels, size, box, angle, scale, tx, ty);
        }
    }

    /** Forward map about the centre: p' = R·S·(p - c) + c + t·size; sampled by the inverse map. */
    static void affine(float[][] channels, int size, float[] box, double angle, double scale, double tx, double ty) {
        double cos = Math.cos(angle) * scale;
        double sin = Math.sin(angle) * scale;
        double c = (size - 1) / 2.0;
        double det = cos * cos + sin * sin;
        for (int k = 0; k < channels.length; k++) {
            float[] src = channels[k];
            float[] dst = new float[src.length];
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double dx = x - c - tx * size;
                    double dy = y - c - ty * size;
                    double sx = (cos * dx + sin * dy) / det + c;
                    double sy = (-sin * dx + cos * dy) / det + c;
                    dst[y * size + x] = sample(src, size, sx, sy);
                }
            }
            channels[k] = dst;
        }
        double minX = Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            double px = (i % 2 == 0 ? box[0] : box[2]) * size - c;
            double py = (i < 2 ? box[1] : box[3]) * size - c;
            double qx = cos * px - sin * py + c + tx * size;
            double qy = sin * px + cos * py + c + ty * size;
            minX = Math.min(minX, qx);
            maxX = Math.max(maxX, qx);
            minY = Math.min(minY, qy);
            maxY = Math.max(maxY, qy);
        }
        box[0] = (float) Math.max(0, Math.min(1, minX / size));
        box[1] = (float) Math.max(0, Math.min(1, minY / size));
        box[2] = (float) Math.max(0, Math.min(1, maxX / size));
        box[3] = (float) Math.max(0, Math.min(1, maxY / size));
    }

    private static float sample(float[] src, int size, double x, double y) {
        if (x < 0 || y < 0 || x > size - 1 || y > size - 1) {
            return 0f;
        }
        int x0 = (int) x;
        int y0 = (int) y;
        int x1 = Math.min(size - 1, x0 + 1);
        int y1 = Math.min(size - 1, y0 + 1);
        double wx = x - x0;
        double wy = y - y0;
        return (float) ((src[y0 * size + x0] * (1 - wx) + src[y0 * size + x1] * wx) * (1 - wy)
                + (src[y1 * size + x0] * (1 - wx) + src[y1 * size + x1] * wx) * wy);
    }
}
