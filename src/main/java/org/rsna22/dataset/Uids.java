package org.rsna22.dataset;

import java.util.regex.Pattern;

/** The DICOM UID grammar (PS3.5 9.1): digits and dots, at most 64 characters; nothing that can escape a folder. */
public final class Uids {
    private static final Pattern UID = Pattern.compile("(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))*");

    private Uids() {
    }

    public static boolean isValid(String s) {
        return s != null && !s.isEmpty() && s.length() <= 64 && UID.matcher(s).matches();
    }

    /** Why a string is not a UID, for skip reasons. */
    public static String invalidReason(String s) {
        String shown = s == null ? "null" : "'" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "'";
        if (s != null && s.length() > 64) {
            return shown + " is not a DICOM UID: longer than 64 characters";
        }
        return shown + " is not a DICOM UID: only digits and dots, no empty or zero-led components";
    }
}
