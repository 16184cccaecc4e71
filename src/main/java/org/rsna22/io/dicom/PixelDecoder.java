package org.rsna22.io.dicom;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.rsna22.io.codec.CodecException;
import org.rsna22.io.codec.Jpeg2000Decoder;
import org.rsna22.io.codec.JpegBaselineDecoder;
import org.rsna22.io.codec.JpegLosslessDecoder;
import org.rsna22.io.codec.RleCodec;

/** Turns the pixel data of a single-frame grayscale image, native or encapsulated, into a {@link DicomImage}. */
final class PixelDecoder {

    /** Larger images are refused before any allocation (a CT slice is 512² to 1024²). */
    static final long MAX_PIXELS = 1L << 25;

    private PixelDecoder() {
    }

    static DicomImage decode(DicomFile h, ByteSource in) throws IOException {
        String name = h.name();
        if (!h.hasPixelData()) {
            throw new DicomException(DicomException.Kind.MISSING_ATTRIBUTE, name, Tags.PIXEL_DATA, -1,
                    "the file has no pixel data");
        }
        DicomObject ds = h.dataset();
        int spp = h.dataset().contains(Tags.SAMPLES_PER_PIXEL) ? h.requireInt(Tags.SAMPLES_PER_PIXEL) : 1;
        if (spp != 1) {
            throw unsupported(name, Tags.SAMPLES_PER_PIXEL, "SamplesPerPixel is " + spp
                    + ": only grayscale (1 sample) images are supported");
        }
        String photometric = ds.getString(Tags.PHOTOMETRIC_INTERPRETATION);
        if (photometric != null && !photometric.equals("MONOCHROME1") && !photometric.equals("MONOCHROME2")) {
            throw unsupported(name, Tags.PHOTOMETRIC_INTERPRETATION, "photometric interpretation " + photometric
                    + " is not grayscale");
        }
        int frames = ds.contains(Tags.NUMBER_OF_FRAMES) ? h.requireInt(Tags.NUMBER_OF_FRAMES) : 1;
        if (frames != 1) {
            throw unsupported(name, Tags.NUMBER_OF_FRAMES, "multi-frame images (" + frames
                    + " frames) are not supported; CT series store one slice per file");
        }
        int rows = h.requireInt(Tags.ROWS);
        int cols = h.requireInt(Tags.COLUMNS);
        int bitsAllocated = h.requireInt(Tags.BITS_ALLOCATED);
        int bitsStored = ds.contains(Tags.BITS_STORED) ? h.requireInt(Tags.BITS_STORED) : bitsAllocated;
        int highBit = ds.contains(Tags.HIGH_BIT) ? h.requireInt(Tags.HIGH_BIT) : bitsStored - 1;
        int pixelRepresentation = ds.contains(Tags.PIXEL_REPRESENTATION) ? h.requireInt(Tags.PIXEL_REPRESENTATION) : 0;
        if (rows <= 0 || cols <= 0 || (long) rows * cols > MAX_PIXELS) {
            throw unsupported(name, Tags.ROWS, "image size " + cols + "×" + rows + " is empty or above "
                    + MAX_PIXELS + " pixels");
        }
        if (bitsAllocated != 1 && bitsAllocated != 8 && bitsAllocated != 16 && bitsAllocated != 32) {
            throw unsupported(name, Tags.BITS_ALLOCATED, "BitsAllocated " + bitsAllocated + " is not 1, 8, 16 or 32");
        }
        if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
            throw new DicomException(DicomException.Kind.MALFORMED, name, Tags.BITS_STORED, -1, "BitsStored "
                    + bitsStored + " / HighBit " + highBit + " do not fit BitsAllocated " + bitsAllocated);
        }
        boolean signed = pixelRepresentation == 1;
        int[] raw;
        TransferSyntax ts = h.transferSyntax();
        if (!ts.encapsulated()) {
            raw = readNative(h, in, rows, cols, bitsAllocated);
        } else {
            if (h.pixelDataLength() != -1) {
                throw new DicomException(DicomException.Kind.MALFORMED, name, Tags.PIXEL_DATA, h.pixelDataOffset(),
                        "compressed pixel data must have undefined length, found " + h.pixelDataLength());
            }
            byte[] frame = readFragments(h, in);
            try {
                raw = switch (ts) {
                    case RLE_LOSSLESS -> {
                        if (bitsAllocated == 1) {
                            throw new CodecException("RLE with BitsAllocated 1 is not supported");
                        }
                        yield RleCodec.decode(frame, rows, cols, bitsAllocated / 8);
                    }
                    case JPEG_LOSSLESS, JPEG_LOSSLESS_SV1 -> JpegLosslessDecoder.decode(frame, cols, rows).samples();
                    case JPEG_BASELINE, JPEG_EXTENDED -> JpegBaselineDecoder.decode(frame, rows, cols);
                    case JPEG_2000, JPEG_2000_LOSSLESS -> Jpeg2000Decoder.decode(frame, rows, cols);
                    default -> throw new IllegalStateException("not encapsulated: " + ts);
                };
            } catch (CodecException e) {
                throw new DicomException(DicomException.Kind.MALFORMED, name, Tags.PIXEL_DATA, h.pixelDataOffset(),
                        e.getMessage(), e);
            }
        }
        applyBitsStored(raw, bitsStored, highBit, signed);
        double slope = h.dataset().contains(Tags.RESCALE_SLOPE) ? valueOr(h, Tags.RESCALE_SLOPE, 1) : 1;
        double intercept = valueOr(h, Tags.RESCALE_INTERCEPT, 0);
        return new DicomImage(h, rows, cols, raw, bitsStored, signed, slope, intercept);
    }

    private static double valueOr(DicomFile h, int tag, double dflt) throws DicomException {
        double[] d = h.doubles(tag);
        return d == null || d.length == 0 ? dflt : d[0];
    }

    private static DicomException unsupported(String name, int tag, String reason) {
        return new DicomException(DicomException.Kind.UNSUPPORTED_IMAGE, name, tag, -1, reason);
    }

    private static int[] readNative(DicomFile h, ByteSource in, int rows, int cols, int bitsAllocated)
            throws IOException {
        int pixels = rows * cols;
        long needed = bitsAllocated == 1 ? (pixels + 7) / 8 : (long) pixels * (bitsAllocated / 8);
        if (h.pixelDataLength() < needed) {
            throw new DicomException(DicomException.Kind.MALFORMED, h.name(), Tags.PIXEL_DATA, h.pixelDataOffset(),
                    "pixel data holds " + h.pixelDataLength() + " bytes, " + cols + "×" + rows + "×"
                            + bitsAllocated + " bits need " + needed);
        }
        byte[] b = in.read((int) needed, Tags.PIXEL_DATA);
        int[] out = new int[pixels];
        boolean be = in.bigEndian();
        switch (bitsAllocated) {
            case 1 -> {
                for (int i = 0; i < pixels; i++) {
                    out[i] = (b[i >> 3] >> (i & 7)) & 1;
                }
            }
            case 8 -> {
                for (int i = 0; i < pixels; i++) {
                    out[i] = b[i] & 0xFF;
                }
            }
            case 16 -> {
                if (be) {
                    for (int i = 0, j = 0; i < pixels; i++, j += 2) {
                        out[i] = ((b[j] & 0xFF) << 8) | (b[j + 1] & 0xFF);
                    }
                } else {
                    for (int i = 0, j = 0; i < pixels; i++, j += 2) {
                        out[i] = (b[j] & 0xFF) | ((b[j + 1] & 0xFF) << 8);
                    }
                }
            }
            default -> {
                for (int i = 0; i < pixels; i++) {
                    out[i] = DicomObject.s32(b, i * 4, be);
                }
            }
        }
        return out;
    }

    /** The fragments of the first (only) frame, after the basic offset table item. */
    private static byte[] readFragments(DicomFile h, ByteSource in) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        boolean first = true;
        while (true) {
            long pos = in.position();
            int tag = in.tag();
            long len = in.u32(Tags.PIXEL_DATA);
            if (tag == Tags.SEQUENCE_DELIMITATION) {
                break;
            }
            if (tag != Tags.ITEM) {
                throw new DicomException(DicomException.Kind.MALFORMED, h.name(), Tags.PIXEL_DATA, pos,
                        "expected a pixel data item (FFFE,E000), found " + Tags.toString(tag));
            }
            if (len > in.remaining()) {
                throw new DicomException(DicomException.Kind.LENGTH_BEYOND_END, h.name(), Tags.PIXEL_DATA, pos,
                        "fragment length " + len + " exceeds the " + in.remaining() + " bytes left in the file");
            }
            if (first) {
                in.skip(len, Tags.PIXEL_DATA); // basic offset table: one frame, so not needed
                first = false;
                continue;
            }
            byte[] b = in.read((int) len, Tags.PIXEL_DATA);
            frame.write(b, 0, b.length);
        }
        if (frame.size() == 0) {
            throw new DicomException(DicomException.Kind.MALFORMED, h.name(), Tags.PIXEL_DATA, h.pixelDataOffset(),
                    "encapsulated pixel data has no fragments");
        }
        return frame.toByteArray();
    }

    /** Keeps bits [highBit-bitsStored+1, highBit] and sign-extends them for signed data. */
    static void applyBitsStored(int[] v, int bitsStored, int highBit, boolean signed) {
        int shift = highBit + 1 - bitsStored;
        if (bitsStored == 32) {
            return;
        }
        int up = 32 - bitsStored;
        if (signed) {
            for (int i = 0; i < v.length; i++) {
                v[i] = ((v[i] >>> shift) << up) >> up;
            }
        } else {
            int mask = (1 << bitsStored) - 1;
            for (int i = 0; i < v.length; i++) {
                v[i] = (v[i] >>> shift) & mask;
            }
        }
    }
}
