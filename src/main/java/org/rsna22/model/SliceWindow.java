package org.rsna22.model;

/**
 * The image preparation of SPEC §4: HU clipped to the window [level - width/2, level + width/2], then
 * per-slice min-max to 0..1 (a constant slice gives zeros instead of a division by zero), and bilinear
 * resizing to the model's input size.
 */
public final class SliceWindow {
    private SliceWindow() {
    }

    /** Windowed and min-max scaled values of a slice, row-major. */
    public static float[] window(short[] hu, double level, double width) {
        return window(hu, level, width, true);
    }

    /**
     * Clips HU to the window; then with {@code minMax} scales each slice by its own minimum and maximum (SPEC §6; a
     * constant slice gives zeros), else by the window's bounds, so that a value means the same HU in every slice.
     */
    public static float[] window(short[] hu, double level, double width, boolean minMax) {
        float lo = (float) (level - width / 2);
        float hi = (float) (level + width / 2);
        float[] out = new float[hu.length];
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int i = 0; i < hu.length; i++) {
            float v = Math.max(lo, Math.min(hi, hu[i]));
            out[i] = v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float from = minMax ? min : lo;
        float range = minMax ? max - min : hi - lo;
        for (int i = 0; i < out.length; i++) {
            out[i] = range > 0 ? (out[i] - from) / range : 0f;
        }
        return out;
    }

    /** Bilinear resize (pixel centres aligned, as torch's align_corners=False) from rows×cols to size×size. */
    public static float[] resize(float[] src, int rows, int cols, int size) {
        if (rows == size && cols == size) {
            return src;
        }
        float[] out = new float[size * size];
        double sy = (double) rows / size;
        double sx = (double) cols / size;
        for (int y = 0; y < size; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min(rows - 1, (int) fy);
            int y1 = Math.min(rows - 1, y0 + 1);
            double wy = fy - y0;
            for (int x = 0; x < size; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min(cols - 1, (int) fx);
                int x1 = Math.min(cols - 1, x0 + 1);
                double wx = fx - x0;
                double top = src[y0 * cols + x0] * (1 - wx) + src[y0 * cols + x1] * wx;
                double bottom = src[y1 * cols + x0] * (1 - wx) + src[y1 * cols + x1] * wx;
                out[y * size + x] = (float) (top * (1 - wy) + bottom * wy);
            }
        }
        return out;
    }
}
