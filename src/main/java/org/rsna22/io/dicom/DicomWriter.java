package org.rsna22.io.dicom;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.codec.JpegLosslessEncoder;
import org.rsna22.io.codec.RleCodec;

/**
 * Writes single-frame grayscale DICOM Part 10 files in explicit VR little endian, natively or RLE
 * compressed: the generator of our demo data and test fixtures.
 */
public final class DicomWriter {
    private static final String IMPLEMENTATION_CLASS_UID = "1.2.826.0.1.3680043.10.1401.1";

    private DicomWriter() {
    }

    /** Writes the file by atomic rename. */
    public static void write(Path file, DicomObject dataset, int[] pixels, TransferSyntax ts) throws IOException {
        AtomicFiles.write(file, encode(dataset, pixels, ts));
    }

    /**
     * Encodes a file. The dataset must hold the image pixel attributes (Rows, Columns, BitsAllocated 8 or
     * 16, ...) and SOP class and instance UIDs; pixels are the stored values, row-major.
     */
    public static byte[] encode(DicomObject dataset, int[] pixels, TransferSyntax ts) {
        if (ts != TransferSyntax.EXPLICIT_VR_LE && ts != TransferSyntax.RLE_LOSSLESS
                && ts != TransferSyntax.JPEG_LOSSLESS_SV1) {
            throw new IllegalArgumentException("the writer encodes pixels as explicit VR LE, RLE or JPEG lossless "
                    + "(selection value 1), not " + ts);
        }
        int rows = dataset.getInt(Tags.ROWS, 0);
        int cols = dataset.getInt(Tags.COLUMNS, 0);
        int bitsAllocated = dataset.getInt(Tags.BITS_ALLOCATED, 0);
        if (rows * cols != pixels.length || (bitsAllocated != 8 && bitsAllocated != 16)) {
            throw new IllegalArgumentException("pixels (" + pixels.length + ") do not match " + cols + "×" + rows
                    + " at " + bitsAllocated + " bits allocated");
        }
        int bytesPerSample = bitsAllocated / 8;
        if (ts == TransferSyntax.JPEG_LOSSLESS_SV1) {
            // the stored values as unsigned samples of BitsStored bits: a signed image's two's complement pattern
            int bitsStored = dataset.getInt(Tags.BITS_STORED, bitsAllocated);
            int mask = (1 << bitsStored) - 1;
            int[] unsigned = new int[pixels.length];
            for (int i = 0; i < pixels.length; i++) {
                unsigned[i] = pixels[i] & mask;
            }
            return encodeCompressed(dataset, JpegLosslessEncoder.encode(unsigned, cols, rows, bitsStored, 1, 0, 0), ts);
        }
        if (ts == TransferSyntax.RLE_LOSSLESS) {
            int mask = bytesPerSample == 2 ? 0xFFFF : 0xFF;
            int[] unsigned = new int[pixels.length];
            for (int i = 0; i < pixels.length; i++) {
                unsigned[i] = pixels[i] & mask;
            }
            return encodeCompressed(dataset, RleCodec.encode(unsigned, bytesPerSample), ts);
        }
        ByteArrayOutputStream out = headerAndDataset(dataset, ts, pixels.length * bytesPerSample);
        byte[] px = new byte[pixels.length * bytesPerSample + (pixels.length * bytesPerSample & 1)];
        for (int i = 0; i < pixels.length; i++) {
            px[i * bytesPerSample] = (byte) pixels[i];
            if (bytesPerSample == 2) {
                px[i * 2 + 1] = (byte) (pixels[i] >> 8);
            }
        }
        writeElement(out, new DicomObject.Element(Tags.PIXEL_DATA, bitsAllocated == 8 ? VR.OB : VR.OW, px, false, null));
        return out.toByteArray();
    }

    /** Encodes a file whose single frame is already compressed in the given encapsulated syntax. */
    public static byte[] encodeCompressed(DicomObject dataset, byte[] frame, TransferSyntax ts) {
        if (!ts.encapsulated()) {
            throw new IllegalArgumentException(ts + " is not an encapsulated transfer syntax");
        }
        ByteArrayOutputStream out = headerAndDataset(dataset, ts, frame.length);
        writeHeader(out, Tags.PIXEL_DATA, VR.OB, 0xFFFFFFFFL);
        writeHeader(out, Tags.ITEM, null, 0); // empty basic offset table
        int padded = frame.length + (frame.length & 1);
        writeHeader(out, Tags.ITEM, null, padded);
        out.writeBytes(frame);
        if (padded != frame.length) {
            out.write(0);
        }
        writeHeader(out, Tags.SEQUENCE_DELIMITATION, null, 0);
        return out.toByteArray();
    }

    private static ByteArrayOutputStream headerAndDataset(DicomObject dataset, TransferSyntax ts, int pixelBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(pixelBytes + 4096);
        out.writeBytes(new byte[128]);
        out.writeBytes("DICM".getBytes(StandardCharsets.US_ASCII));

        ByteArrayOutputStream meta = new ByteArrayOutputStream();
        writeElement(meta, new DicomObject.Element(0x00020001, VR.OB, new byte[] {0, 1}, false, null));
        writeText(meta, Tags.MEDIA_STORAGE_SOP_CLASS_UID, VR.UI, dataset.getString(Tags.SOP_CLASS_UID));
        writeText(meta, Tags.MEDIA_STORAGE_SOP_INSTANCE_UID, VR.UI, dataset.getString(Tags.SOP_INSTANCE_UID));
        writeText(meta, Tags.TRANSFER_SYNTAX_UID, VR.UI, ts.uid());
        writeText(meta, Tags.IMPLEMENTATION_CLASS_UID, VR.UI, IMPLEMENTATION_CLASS_UID);
        int ml = meta.size();
        byte[] groupLength = {(byte) ml, (byte) (ml >> 8), (byte) (ml >> 16), (byte) (ml >> 24)};
        writeElement(out, new DicomObject.Element(Tags.FILE_META_GROUP_LENGTH, VR.UL, groupLength, false, null));
        out.writeBytes(meta.toByteArray());

        for (Map.Entry<Integer, DicomObject.Element> e : dataset.elements().entrySet()) {
            int group = e.getKey() >>> 16;
            if (group != 0x0002 && e.getKey() != Tags.PIXEL_DATA) {
                writeElement(out, e.getValue());
            }
        }
        return out;
    }

    private static void writeText(ByteArrayOutputStream out, int tag, VR vr, String value) {
        if (value == null) {
            throw new IllegalArgumentException("missing value for " + Tags.toString(tag));
        }
        DicomObject tmp = new DicomObject().putString(tag, vr, value);
        writeElement(out, tmp.get(tag));
    }

    private static void writeElement(ByteArrayOutputStream out, DicomObject.Element e) {
        if (e.vr() == VR.SQ) {
            writeHeader(out, e.tag(), VR.SQ, 0xFFFFFFFFL);
            for (DicomObject item : e.items()) {
                writeHeader(out, Tags.ITEM, null, 0xFFFFFFFFL);
                for (DicomObject.Element ie : item.elements().values()) {
                    writeElement(out, ie);
                }
                writeHeader(out, Tags.ITEM_DELIMITATION, null, 0);
            }
            writeHeader(out, Tags.SEQUENCE_DELIMITATION, null, 0);
            return;
        }
        byte[] v = e.value();
        if (e.bigEndian() && (e.vr() == VR.US || e.vr() == VR.SS || e.vr() == VR.UL || e.vr() == VR.SL)) {
            throw new IllegalArgumentException("cannot write big endian binary value of " + Tags.toString(e.tag()));
        }
        writeHeader(out, e.tag(), e.vr(), v.length);
        out.writeBytes(v);
    }

    private static void writeHeader(ByteArrayOutputStream out, int tag, VR vr, long length) {
        le16(out, tag >>> 16);
        le16(out, tag & 0xFFFF);
        if (vr == null) {
            le32(out, length);
            return;
        }
        out.write(vr.name().charAt(0));
        out.write(vr.name().charAt(1));
        if (vr.hasLongLength()) {
            le16(out, 0);
            le32(out, length);
        } else {
            if (length > 0xFFFF) {
                throw new IllegalArgumentException("value of " + Tags.toString(tag) + " too long for VR " + vr);
            }
            le16(out, (int) length);
        }
    }

    private static void le16(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >> 8);
    }

    private static void le32(ByteArrayOutputStream out, long v) {
        le16(out, (int) v);
        le16(out, (int) (v >> 16));
    }
}
