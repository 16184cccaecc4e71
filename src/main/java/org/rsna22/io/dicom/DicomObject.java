package org.rsna22.io.dicom;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The elements of one dataset (or sequence item), keyed by tag, with typed accessors that decode values
 * on demand. Values keep the byte order of the file they came from.
 */
public final class DicomObject {

    /** One element: its VR, raw value bytes and byte order, or the items of a sequence. */
    public record Element(int tag, VR vr, byte[] value, boolean bigEndian, List<DicomObject> items) {
        public Element {
            items = items == null ? List.of() : items;
        }
    }

    private final TreeMap<Integer, Element> elements = new TreeMap<>();

    public void put(Element e) {
        elements.put(e.tag(), e);
    }

    public Element get(int tag) {
        return elements.get(tag);
    }

    public boolean contains(int tag) {
        return elements.containsKey(tag);
    }

    public Map<Integer, Element> elements() {
        return Collections.unmodifiableMap(elements);
    }

    public List<DicomObject> items(int tag) {
        Element e = elements.get(tag);
        return e == null ? List.of() : e.items();
    }

    /** The value as text with trailing spaces and NULs removed, or null when absent or empty. */
    public String getString(int tag) {
        Element e = elements.get(tag);
        if (e == null || e.value() == null || e.value().length == 0) {
            return null;
        }
        byte[] v = e.value();
        int end = v.length;
        while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == 0)) {
            end--;
        }
        int start = 0;
        while (start < end && v[start] == ' ') {
            start++;
        }
        return start == end ? null : new String(v, start, end - start, StandardCharsets.ISO_8859_1);
    }

    /** The backslash-separated values of a text element, or an empty array. */
    public String[] getStrings(int tag) {
        String s = getString(tag);
        if (s == null) {
            return new String[0];
        }
        String[] parts = s.split("\\\\", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].trim();
        }
        return parts;
    }

    /**
     * The first integer value of US, SS, UL, SL or IS elements, or {@code dflt} when absent. An IS value
     * that is not a number gives a {@link NumberFormatException} naming the tag.
     */
    public int getInt(int tag, int dflt) {
        Element e = elements.get(tag);
        if (e == null || e.value() == null || e.value().length == 0) {
            return dflt;
        }
        byte[] v = e.value();
        switch (e.vr()) {
            case US:
                return v.length < 2 ? dflt : u16(v, 0, e.bigEndian());
            case SS:
                return v.length < 2 ? dflt : (short) u16(v, 0, e.bigEndian());
            case UL:
            case SL:
                return v.length < 4 ? dflt : s32(v, 0, e.bigEndian());
            case UN:
                // implicit VR without a dictionary entry, or UN: binary value of the usual size
                if (v.length == 2) {
                    return u16(v, 0, e.bigEndian());
                }
                if (v.length == 4) {
                    return s32(v, 0, e.bigEndian());
                }
                break;
            default:
                break;
        }
        String[] s = getStrings(tag);
        if (s.length == 0 || s[0].isEmpty()) {
            return dflt;
        }
        try {
            return Integer.parseInt(s[0]);
        } catch (NumberFormatException ex) {
            throw new NumberFormatException(Tags.toString(tag) + " is not an integer: '" + s[0] + "'");
        }
    }

    /** All numeric values of DS, IS, FD or FL elements, or null when absent. */
    public double[] getDoubles(int tag) {
        Element e = elements.get(tag);
        if (e == null || e.value() == null || e.value().length == 0) {
            return null;
        }
        byte[] v = e.value();
        if (e.vr() == VR.FD) {
            double[] out = new double[v.length / 8];
            for (int i = 0; i < out.length; i++) {
                long hi = s32(v, i * 8, e.bigEndian()) & 0xFFFFFFFFL;
                long lo = s32(v, i * 8 + 4, e.bigEndian()) & 0xFFFFFFFFL;
                out[i] = Double.longBitsToDouble(e.bigEndian() ? (hi << 32) | lo : (lo << 32) | hi);
            }
            return out;
        }
        if (e.vr() == VR.FL) {
            double[] out = new double[v.length / 4];
            for (int i = 0; i < out.length; i++) {
                out[i] = Float.intBitsToFloat(s32(v, i * 4, e.bigEndian()));
            }
            return out;
        }
        String[] s = getStrings(tag);
        List<Double> out = new ArrayList<>(s.length);
        for (String p : s) {
            if (p.isEmpty()) {
                continue;
            }
            try {
                out.add(Double.parseDouble(p));
            } catch (NumberFormatException ex) {
                throw new NumberFormatException(Tags.toString(tag) + " is not a number: '" + p + "'");
            }
        }
        double[] d = new double[out.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = out.get(i);
        }
        return d;
    }

    /** The first numeric value, or {@code dflt} when absent. */
    public double getDouble(int tag, double dflt) {
        double[] d = getDoubles(tag);
        return d == null || d.length == 0 ? dflt : d[0];
    }

    // --- building (used by the writer and by tests) ---

    public DicomObject putString(int tag, VR vr, String value) {
        byte[] b = value.getBytes(StandardCharsets.ISO_8859_1);
        if ((b.length & 1) == 1) {
            byte[] padded = new byte[b.length + 1];
            System.arraycopy(b, 0, padded, 0, b.length);
            padded[b.length] = (byte) (vr == VR.UI ? 0 : ' ');
            b = padded;
        }
        put(new Element(tag, vr, b, false, null));
        return this;
    }

    public DicomObject putDecimals(int tag, double... values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append('\\');
            }
            sb.append(formatDecimal(values[i]));
        }
        return putString(tag, VR.DS, sb.toString());
    }

    public DicomObject putUShort(int tag, int value) {
        put(new Element(tag, VR.US, new byte[] {(byte) value, (byte) (value >> 8)}, false, null));
        return this;
    }

    /** DS values hold at most 16 characters. */
    static String formatDecimal(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        String s = Double.toString(v);
        if (s.length() <= 16 && !s.contains("E")) {
            return s;
        }
        for (int digits = 10; digits >= 1; digits--) {
            String t = String.format(Locale.ROOT, "%." + digits + "g", v).replace("e+0", "e").replace("e-0", "e-");
            if (t.length() <= 16) {
                return t;
            }
        }
        throw new IllegalArgumentException("cannot encode " + v + " in 16 characters");
    }

    static int u16(byte[] b, int off, boolean bigEndian) {
        return bigEndian ? ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF) : (b[off] & 0xFF) | ((b[off + 1] & 0xFF) << 8);
    }

    static int s32(byte[] b, int off, boolean bigEndian) {
        return bigEndian
                ? ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF)
                : (b[off] & 0xFF) | ((b[off + 1] & 0xFF) << 8) | ((b[off + 2] & 0xFF) << 16) | ((b[off + 3] & 0xFF) << 24);
    }
}
