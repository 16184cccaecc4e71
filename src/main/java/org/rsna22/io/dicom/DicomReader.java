package org.rsna22.io.dicom;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads DICOM Part 10 files: preamble or none, file meta, then the dataset in its transfer syntax, with
 * sequences at any depth. {@link #readHeader} stops at the top-level Pixel Data element after reading as
 * few bytes as possible; {@link #readImage} goes on and decodes the pixels.
 */
public final class DicomReader {

    private static final long UNDEFINED = 0xFFFFFFFFL;
    private static final int MAX_DEPTH = 16;
    /** Values larger than this (overlays, private blobs, icons) are skipped, not stored. */
    private static final int MAX_STORED_VALUE = 1 << 16;

    private DicomReader() {
    }

    /** Reads the header of a file, stopping before the pixel data value. */
    public static DicomFile readHeader(Path path) throws IOException {
        try (FileChannel ch = open(path)) {
            return new Parser(new ByteSource(path.toString(), ch)).parseHeader();
        }
    }

    /** Reads the header and decodes the single frame of a file. */
    public static DicomImage readImage(Path path) throws IOException {
        try (FileChannel ch = open(path)) {
            ByteSource in = new ByteSource(path.toString(), ch);
            DicomFile header = new Parser(in).parseHeader();
            return PixelDecoder.decode(header, in);
        }
    }

    /** Reads the header of an in-memory file. */
    public static DicomFile readHeader(byte[] data, String name) throws IOException {
        return new Parser(new ByteSource(name, data)).parseHeader();
    }

    /** Decodes an in-memory file. */
    public static DicomImage readImage(byte[] data, String name) throws IOException {
        ByteSource in = new ByteSource(name, data);
        DicomFile header = new Parser(in).parseHeader();
        return PixelDecoder.decode(header, in);
    }

    private static FileChannel open(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    /** The element-level state machine; one instance per file. */
    private static final class Parser {
        private final ByteSource in;
        private boolean explicit;

        private VR pixelVr;
        private long pixelOffset = -1;
        private long pixelLength;

        Parser(ByteSource in) {
            this.in = in;
        }

        DicomFile parseHeader() throws IOException {
            DicomObject meta = new DicomObject();
            int n = in.peek(132);
            boolean preamble = n == 132 && in.peekByte(128) == 'D' && in.peekByte(129) == 'I'
                    && in.peekByte(130) == 'C' && in.peekByte(131) == 'M';
            if (preamble) {
                in.skip(132, -1);
            }
            String tsUid;
            TransferSyntax ts;
            if (in.peek(8) == 8 && in.peekByte(0) == 0x02 && in.peekByte(1) == 0x00) {
                readMeta(meta);
                tsUid = meta.getString(Tags.TRANSFER_SYNTAX_UID);
            } else if (preamble) {
                tsUid = null; // "DICM" with no group 0002: the dataset follows directly
            } else if (!looksLikeDatasetStart()) {
                throw new DicomException(DicomException.Kind.NOT_DICOM, in.name(), -1, 0,
                        "no DICM prefix at byte 128 and the first bytes are not a DICOM element");
            } else {
                tsUid = null;
            }
            if (tsUid == null) {
                ts = guessSyntax();
                tsUid = ts.uid();
            } else {
                ts = TransferSyntax.forUid(tsUid);
                if (ts == null) {
                    throw new DicomException(DicomException.Kind.UNSUPPORTED_TRANSFER_SYNTAX, in.name(),
                            Tags.TRANSFER_SYNTAX_UID, -1, "transfer syntax " + tsUid + " is not supported");
                }
            }
            if (ts.deflated()) {
                in.startInflating();
            }
            in.byteOrder(ts.bigEndian());
            explicit = ts.explicitVr();
            if (!ts.bigEndian()) {
                correctVrEncoding();
            }
            DicomObject dataset = new DicomObject();
            parseDataset(dataset, -1, 0, true, true);
            if (pixelOffset >= 0 && pixelLength != UNDEFINED && pixelLength > in.remaining()) {
                throw new DicomException(DicomException.Kind.TRUNCATED, in.name(), Tags.PIXEL_DATA, pixelOffset,
                        "pixel data declares " + pixelLength + " bytes but the file holds only " + in.remaining());
            }
            return new DicomFile(in.name(), meta, dataset, tsUid, ts, pixelVr, pixelOffset,
                    pixelOffset < 0 ? 0 : (pixelLength == UNDEFINED ? -1 : pixelLength));
        }

        private void readMeta(DicomObject meta) throws IOException {
            in.byteOrder(false);
            explicit = true;
            while (in.peek(2) == 2 && in.peekByte(0) == 0x02 && in.peekByte(1) == 0x00) {
                if (!readElement(meta, 0, true, false)) {
                    break;
                }
            }
        }

        /** A file with no preamble and no meta: plausible first element of a dataset. */
        private boolean looksLikeDatasetStart() throws IOException {
            if (in.peek(8) < 8) {
                return false;
            }
            int le = in.peekByte(0) | (in.peekByte(1) << 8);
            int be = (in.peekByte(0) << 8) | in.peekByte(1);
            return le == 0x0008 || be == 0x0008;
        }

        /** Transfer syntax of a dataset without file meta, from its first element. */
        private TransferSyntax guessSyntax() throws IOException {
            if (in.peek(6) < 6) {
                return TransferSyntax.IMPLICIT_VR_LE;
            }
            boolean bigEndian = in.peekByte(0) == 0x00 && in.peekByte(1) != 0x00;
            boolean vrLike = VR.of(in.peekByte(4), in.peekByte(5)) != null;
            if (bigEndian) {
                return TransferSyntax.EXPLICIT_VR_BE;
            }
            return vrLike ? TransferSyntax.EXPLICIT_VR_LE : TransferSyntax.IMPLICIT_VR_LE;
        }

        /** Some writers declare one VR encoding and use the other; trust the first element (as pydicom does). */
        private void correctVrEncoding() throws IOException {
            if (in.peek(6) < 6) {
                return;
            }
            boolean vrLike = VR.of(in.peekByte(4), in.peekByte(5)) != null;
            if (explicit && !vrLike) {
                explicit = false;
            } else if (!explicit && vrLike && isUpper(in.peekByte(4)) && isUpper(in.peekByte(5))) {
                explicit = true;
            }
        }

        private static boolean isUpper(int b) {
            return b >= 'A' && b <= 'Z';
        }

        /**
         * Reads elements into target until end (absolute position), an item delimiter (end == -1 inside an
         * item), the end of the input (top level) or the top-level pixel data (when stopAtPixels).
         */
        private void parseDataset(DicomObject target, long end, int depth, boolean top, boolean store)
                throws IOException {
            while (true) {
                if (end >= 0 && in.position() >= end) {
                    if (in.position() > end) {
                        throw new DicomException(DicomException.Kind.MALFORMED, in.name(), -1, in.position(),
                                "an element runs past the end of its item at " + end);
                    }
                    return;
                }
                if (top && in.atEnd()) {
                    return;
                }
                if (!readElement(target, depth, store, top)) {
                    return;
                }
            }
        }

        /** Reads one element; false when it ended the current item or stopped at the pixel data. */
        private boolean readElement(DicomObject target, int depth, boolean store, boolean top) throws IOException {
            long tagPos = in.position();
            int tag = in.tag();
            if (tag == Tags.ITEM_DELIMITATION) {
                in.u32(tag);
                if (top) {
                    throw new DicomException(DicomException.Kind.MALFORMED, in.name(), tag, tagPos,
                            "item delimiter outside a sequence");
                }
                return false;
            }
            if (tag == Tags.ITEM || tag == Tags.SEQUENCE_DELIMITATION) {
                throw new DicomException(DicomException.Kind.MALFORMED, in.name(), tag, tagPos,
                        "item or sequence delimiter where an element was expected");
            }
            VR vr;
            long len;
            if (explicit) {
                int b0 = in.u8(tag);
                int b1 = in.u8(tag);
                vr = VR.of(b0, b1);
                if (vr == null) {
                    throw new DicomException(DicomException.Kind.MALFORMED, in.name(), tag, tagPos,
                            String.format("invalid VR bytes 0x%02X 0x%02X", b0, b1));
                }
                if (vr.hasLongLength()) {
                    in.u16(tag);
                    len = in.u32(tag);
                } else {
                    len = in.u16(tag);
                }
            } else {
                vr = implicitVr(tag);
                len = in.u32(tag);
            }
            if (top && tag == Tags.PIXEL_DATA) {
                pixelVr = vr;
                pixelOffset = in.position();
                pixelLength = len;
                return false;
            }
            boolean keep = store && !Tags.isPrivate(tag);
            if (len == UNDEFINED) {
                if (vr == VR.SQ || vr == VR.UN || (!explicit && tag != Tags.PIXEL_DATA)) {
                    boolean wasExplicit = explicit;
                    if (vr == VR.UN) {
                        explicit = false; // PS3.5 6.2.2: UN of undefined length is encoded as implicit VR LE
                    }
                    List<DicomObject> items = readItems(-1, depth + 1, keep, tag);
                    explicit = wasExplicit;
                    if (keep) {
                        target.put(new DicomObject.Element(tag, VR.SQ, null, in.bigEndian(), items));
                    }
                } else if (tag == Tags.PIXEL_DATA) {
                    skipFragments(tag); // encapsulated pixel data inside a sequence item (an icon)
                } else {
                    throw new DicomException(DicomException.Kind.MALFORMED, in.name(), tag, tagPos,
                            "undefined length on an element of VR " + vr);
                }
                return true;
            }
            if (len > in.remaining()) {
                throw new DicomException(DicomException.Kind.LENGTH_BEYOND_END, in.name(), tag, tagPos,
                        "value length " + len + " exceeds the " + in.remaining() + " bytes left in the file");
            }
            if (vr == VR.SQ && keep) {
                List<DicomObject> items = readItems(in.position() + len, depth + 1, true, tag);
                target.put(new DicomObject.Element(tag, VR.SQ, null, in.bigEndian(), items));
            } else if (keep && len <= MAX_STORED_VALUE) {
                target.put(new DicomObject.Element(tag, vr, in.read((int) len, tag), in.bigEndian(), null));
            } else {
                in.skip(len, tag);
            }
            return true;
        }

        private List<DicomObject> readItems(long end, int depth, boolean store, int seqTag) throws IOException {
            if (depth > MAX_DEPTH) {
                throw new DicomException(DicomException.Kind.MALFORMED, in.name(), seqTag, in.position(),
                        "sequences nested deeper than " + MAX_DEPTH);
            }
            List<DicomObject> items = new ArrayList<>();
            while (end < 0 || in.position() < end) {
                long itemPos = in.position();
                int tag = in.tag();
                long len = in.u32(tag);
                if (tag == Tags.SEQUENCE_DELIMITATION) {
                    return items;
                }
                if (tag != Tags.ITEM) {
                    throw new DicomException(DicomException.Kind.MALFORMED, in.name(), seqTag, itemPos,
                            "expected an item (FFFE,E000) in the sequence, found " + Tags.toString(tag));
                }
                if (len != UNDEFINED && len > in.remaining()) {
                    throw new DicomException(DicomException.Kind.LENGTH_BEYOND_END, in.name(), seqTag, itemPos,
                            "item length " + len + " exceeds the " + in.remaining() + " bytes left in the file");
                }
                DicomObject item = new DicomObject();
                parseDataset(item, len == UNDEFINED ? -1 : in.position() + len, depth, false, store);
                if (store) {
                    items.add(item);
                }
            }
            return items;
        }

        private void skipFragments(int tag) throws IOException {
            while (true) {
                long pos = in.position();
                int t = in.tag();
                long len = in.u32(t);
                if (t == Tags.SEQUENCE_DELIMITATION) {
                    return;
                }
                if (t != Tags.ITEM || len == UNDEFINED) {
                    throw new DicomException(DicomException.Kind.MALFORMED, in.name(), tag, pos,
                            "expected a pixel data fragment, found " + Tags.toString(t));
                }
                in.skip(len, tag);
            }
        }
    }

    /** The VR of the tags this application reads, for implicit VR datasets; UN for everything else. */
    static VR implicitVr(int tag) {
        if ((tag & 0xFFFF) == 0) {
            return VR.UL; // group length
        }
        return switch (tag) {
            case Tags.SAMPLES_PER_PIXEL, Tags.ROWS, Tags.COLUMNS, Tags.BITS_ALLOCATED, Tags.BITS_STORED,
                    Tags.HIGH_BIT, Tags.PIXEL_REPRESENTATION, Tags.PLANAR_CONFIGURATION -> VR.US;
            case Tags.NUMBER_OF_FRAMES, Tags.INSTANCE_NUMBER -> VR.IS;
            case Tags.IMAGE_POSITION_PATIENT, Tags.IMAGE_ORIENTATION_PATIENT, Tags.PIXEL_SPACING,
                    Tags.RESCALE_INTERCEPT, Tags.RESCALE_SLOPE, Tags.SLICE_THICKNESS, Tags.WINDOW_CENTER,
                    Tags.WINDOW_WIDTH -> VR.DS;
            case Tags.PHOTOMETRIC_INTERPRETATION, Tags.MODALITY, Tags.SPECIFIC_CHARACTER_SET -> VR.CS;
            case Tags.SOP_CLASS_UID, Tags.SOP_INSTANCE_UID, Tags.STUDY_INSTANCE_UID, Tags.SERIES_INSTANCE_UID,
                    Tags.TRANSFER_SYNTAX_UID -> VR.UI;
            case Tags.PIXEL_DATA -> VR.OW;
            default -> VR.UN;
        };
    }
}
