package org.rsna22.io.codec;

import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.rsna22.io.IoErrors;

/**
 * 8-bit lossy JPEG (processes 1 and 2) through the JDK's ImageIO reader. 12-bit JPEG (process 4) is
 * refused with a clear reason: the JDK reader handles 8-bit samples only.
 */
public final class JpegBaselineDecoder {
    private JpegBaselineDecoder() {
    }

    public static int[] decode(byte[] data, int rows, int columns) throws CodecException {
        int precision = framePrecision(data);
        if (precision != 8) {
            throw new CodecException(precision + "-bit lossy JPEG cannot be decoded: the JDK's ImageIO reader "
                    + "handles 8-bit samples only");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
        if (!readers.hasNext()) {
            throw new CodecException("no ImageIO JPEG reader available");
        }
        ImageReader reader = readers.next();
        try (ImageInputStream iis = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(iis, true, true);
            Raster raster = reader.readRaster(0, null);
            if (raster.getNumBands() != 1) {
                throw new CodecException("JPEG has " + raster.getNumBands() + " components; only grayscale is supported");
            }
            if (raster.getWidth() != columns || raster.getHeight() != rows) {
                throw new CodecException("JPEG frame is " + raster.getWidth() + "×" + raster.getHeight()
                        + " but the image is " + columns + "×" + rows);
            }
            return raster.getSamples(raster.getMinX(), raster.getMinY(), columns, rows, 0, (int[]) null);
        } catch (IOException | RuntimeException e) {
            throw new CodecException("JPEG stream cannot be decoded: " + IoErrors.rootMessage(e), e);
        } finally {
            reader.dispose();
        }
    }

    /** The sample precision of the first SOFn segment. */
    static int framePrecision(byte[] d) throws CodecException {
        int p = 2;
        while (p + 4 < d.length) {
            if ((d[p] & 0xFF) != 0xFF) {
                p++;
                continue;
            }
            int m = d[p + 1] & 0xFF;
            if (m == 0xFF) {
                p++;
                continue;
            }
            if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
                return d[p + 4] & 0xFF;
            }
            int len = ((d[p + 2] & 0xFF) << 8) | (d[p + 3] & 0xFF);
            p += 2 + len;
        }
        throw new CodecException("JPEG stream has no frame header (SOF)");
    }
}
