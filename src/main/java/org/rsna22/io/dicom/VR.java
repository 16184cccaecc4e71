package org.rsna22.io.dicom;

/** DICOM value representations, with how each is encoded in explicit VR syntaxes. */
public enum VR {
    AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM,
    UC, UI, UL, UN, UR, US, UT, UV;

    private static final VR[] BY_CODE = new VR[1 << 16];

    static {
        for (VR vr : values()) {
            BY_CODE[code(vr.name().charAt(0), vr.name().charAt(1))] = vr;
        }
    }

    private static int code(int c0, int c1) {
        return (c0 << 8) | c1;
    }

    /** The VR for two bytes read from an explicit VR element, or null when they are no known VR. */
    public static VR of(int b0, int b1) {
        return BY_CODE[code(b0 & 0xFF, b1 & 0xFF)];
    }

    /** True when the explicit encoding has 2 reserved bytes and a 32-bit length. */
    public boolean hasLongLength() {
        return switch (this) {
            case OB, OD, OF, OL, OV, OW, SQ, UC, UN, UR, UT, SV, UV -> true;
            default -> false;
        };
    }

    public boolean isText() {
        return switch (this) {
            case AE, AS, CS, DA, DS, DT, IS, LO, LT, PN, SH, ST, TM, UC, UI, UR, UT -> true;
            default -> false;
        };
    }
}
