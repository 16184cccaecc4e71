package org.rsna22.dataset;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvReadFeature;

/**
 * A CSV file the user supplies (train.csv, test.csv, train_bounding_boxes.csv, a submission), read with Jackson's
 * CSV module as RFC 4180 has it: quoted fields may hold commas, quotes and line breaks; a UTF-8 byte-order mark and
 * blank lines are ignored; header names are trimmed. Each row keeps the line it starts on, for messages.
 */
public record CsvTable(Path file, List<String> header, List<Row> rows) {

    /** One record and the line of the file where it starts (1 = the header). */
    public record Row(long line, List<String> fields) {
        public String get(int i) {
            return i < fields.size() ? fields.get(i) : "";
        }
    }

    private static final CsvMapper CSV = CsvMapper.builder()
            .enable(CsvReadFeature.WRAP_AS_ARRAY)
            .enable(CsvReadFeature.SKIP_EMPTY_LINES)
            .build();

    public static CsvTable read(Path file) throws IOException {
        List<String> header = null;
        List<Row> rows = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             MappingIterator<List<String>> it = CSV.readerForListOf(String.class).readValues(in)) {
            while (it.hasNextValue()) {
                long line = it.currentLocation().getLineNr();
                List<String> fields = it.nextValue();
                if (fields.size() == 1 && fields.get(0).isBlank()) {
                    continue;
                }
                if (header == null) {
                    header = new ArrayList<>();
                    for (String h : fields) {
                        header.add(h.replace("\uFEFF", "").trim());
                    }
                } else {
                    rows.add(new Row(line, fields));
                }
            }
        } catch (JacksonException e) {
            throw new IOException(file + ": not a CSV file as RFC 4180 has it: " + e.getOriginalMessage(), e);
        }
        if (header == null) {
            throw new IOException(file + " is empty: expected a header line");
        }
        return new CsvTable(file, header, rows);
    }

    /** The index of a header column, or an IOException naming the file and the columns it has. */
    public int column(String name) throws IOException {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new IOException(file + ": no column " + name + " in its header " + String.join(",", header));
        }
        return i;
    }
}
