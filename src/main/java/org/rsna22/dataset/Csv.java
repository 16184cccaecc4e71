package org.rsna22.dataset;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;
import tools.jackson.dataformat.csv.CsvMapper;

/** RFC 4180 lines: fields with commas, quotes or line breaks are quoted; numbers are written the same way everywhere. */
public final class Csv {

    /** One record as a list: without a schema Jackson's CSV parser gives each row as an array of strings. */
    private static final ObjectReader ROW = new CsvMapper().readerForListOf(String.class);

    private Csv() {
    }

    public static String line(Object... fields) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(field(fields[i]));
        }
        return sb.toString();
    }

    private static String field(Object o) {
        String s = o == null ? "" : o instanceof Double d ? num(d) : o.toString();
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"").replace('\n', ' ').replace('\r', ' ') + '"';
    }

    /** Integral values without a decimal point, others in Java's shortest round-trip form. */
    public static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /**
     * Splits one line of a CSV file this application wrote (RFC 4180, Jackson's CSV module): quoted fields may hold
     * commas and quotes. Line breaks inside fields never occur in these files ({@link #line} writes them as spaces),
     * so a line is a record.
     */
    public static List<String> parse(String line) {
        if (line.isEmpty()) {
            return new ArrayList<>(List.of(""));
        }
        try {
            return new ArrayList<>(ROW.readValue(line));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not a CSV line (" + e.getOriginalMessage() + "): " + line, e);
        }
    }
}
