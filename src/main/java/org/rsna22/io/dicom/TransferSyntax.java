package org.rsna22.io.dicom;

/** The transfer syntaxes this reader understands, with how their dataset and pixel data are encoded. */
public enum TransferSyntax {
    IMPLICIT_VR_LE("1.2.840.10008.1.2", false, false, false, false),
    EXPLICIT_VR_LE("1.2.840.10008.1.2.1", true, false, false, false),
    DEFLATED_EXPLICIT_VR_LE("1.2.840.10008.1.2.1.99", true, false, true, false),
    EXPLICIT_VR_BE("1.2.840.10008.1.2.2", true, true, false, false),
    RLE_LOSSLESS("1.2.840.10008.1.2.5", true, false, false, true),
    JPEG_BASELINE("1.2.840.10008.1.2.4.50", true, false, false, true),
    JPEG_EXTENDED("1.2.840.10008.1.2.4.51", true, false, false, true),
    JPEG_LOSSLESS("1.2.840.10008.1.2.4.57", true, false, false, true),
    JPEG_LOSSLESS_SV1("1.2.840.10008.1.2.4.70", true, false, false, true),
    JPEG_2000_LOSSLESS("1.2.840.10008.1.2.4.90", true, false, false, true),
    JPEG_2000("1.2.840.10008.1.2.4.91", true, false, false, true);

    private final String uid;
    private final boolean explicitVr;
    private final boolean bigEndian;
    private final boolean deflated;
    private final boolean encapsulated;

    TransferSyntax(String uid, boolean explicitVr, boolean bigEndian, boolean deflated, boolean encapsulated) {
        this.uid = uid;
        this.explicitVr = explicitVr;
        this.bigEndian = bigEndian;
        this.deflated = deflated;
        this.encapsulated = encapsulated;
    }

    /** The syntax for a UID, or null when it is not one this reader supports. */
    public static TransferSyntax forUid(String uid) {
        for (TransferSyntax ts : values()) {
            if (ts.uid.equals(uid)) {
                return ts;
            }
        }
        return null;
    }

    public String uid() {
        return uid;
    }

    public boolean explicitVr() {
        return explicitVr;
    }

    public boolean bigEndian() {
        return bigEndian;
    }

    public boolean deflated() {
        return deflated;
    }

    public boolean encapsulated() {
        return encapsulated;
    }
}
