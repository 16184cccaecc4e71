package org.rsna22.io.dicom;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A DICOM file that cannot be read, with a machine-readable {@link Kind} and a message that names the
 * file, the tag and the byte offset where the problem was found.
 */
public class DicomException extends IOException {

    /** Why a file was rejected; stable names that end up in skipped.csv. */
    public enum Kind {
        NOT_DICOM,
        TRUNCATED,
        LENGTH_BEYOND_END,
        UNSUPPORTED_TRANSFER_SYNTAX,
        UNSUPPORTED_IMAGE,
        MISSING_ATTRIBUTE,
        MALFORMED
    }

    private final Kind kind;
    private final String file;
    private final int tag;
    private final long offset;

    public DicomException(Kind kind, String file, int tag, long offset, String reason) {
        this(kind, file, tag, offset, reason, null);
    }

    public DicomException(Kind kind, String file, int tag, long offset, String reason, Throwable cause) {
        super(format(kind, file, tag, offset, reason), cause);
        this.kind = kind;
        this.file = file;
        this.tag = tag;
        this.offset = offset;
    }

    private static String format(Kind kind, String file, int tag, long offset, String reason) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<stream>" : file).append(": ").append(kind.name().toLowerCase().replace('_', ' '));
        if (tag != -1) {
            sb.append(" at tag ").append(Tags.toString(tag));
        }
        if (offset >= 0) {
            sb.append(" (byte offset ").append(offset).append(')');
        }
        return sb.append(": ").append(reason).toString();
    }

    public static String fileName(Path p) {
        return p == null ? null : p.toString();
    }

    public Kind kind() {
        return kind;
    }

    public String file() {
        return file;
    }

    /** The tag being read when the problem was found, or -1. */
    public int tag() {
        return tag;
    }

    /** The byte offset in the file (in the inflated stream for deflated files), or -1. */
    public long offset() {
        return offset;
    }
}
