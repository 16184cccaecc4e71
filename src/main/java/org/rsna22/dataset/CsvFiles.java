package org.rsna22.dataset;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.rsna22.io.AtomicFiles;
import org.rsna22.io.CheckedFiles;

/** Whole gzip CSV files: read into rows, or written by atomic rename. */
public final class CsvFiles {

    private CsvFiles() {
    }

    /**
     * The data rows (header left out) of a .csv.gz, each split into fields. A file cut short or changed (gzip's own
     * CRC and length) is a {@link CheckedFiles.DamagedFileException} naming it.
     */
    public static List<List<String>> readGz(Path file) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file), 1 << 16), StandardCharsets.UTF_8))) {
            String line = r.readLine();
            if (line == null) {
                throw new IOException(file + " is empty (no header)");
            }
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    rows.add(Csv.parse(line));
                }
            }
        } catch (EOFException | ZipException e) {
            throw damaged(file, e);
        }
        return rows;
    }

    /** A gzip file that does not read to its end: named, with what to do. */
    public static CheckedFiles.DamagedFileException damaged(Path file, IOException e) {
        return new CheckedFiles.DamagedFileException(file, "damaged or cut short (" + e.getMessage() + "); run the "
                + "job that writes it again");
    }

    /** Writes header and lines to a .csv.gz, complete or not at all. */
    public static void writeGz(Path file, String header, Iterable<String> lines) throws IOException {
        writeGz(file, header, sink -> {
            for (String line : lines) {
                sink.row(line);
            }
        });
    }

    /** Receives the rows of a file as they are made. */
    @FunctionalInterface
    public interface RowSink {
        void row(String line) throws IOException;
    }

    /** Makes the rows of a file, one after another, into a sink. */
    @FunctionalInterface
    public interface Rows {
        void writeTo(RowSink sink) throws IOException;
    }

    /**
     * Writes header and the rows {@code rows} makes to a .csv.gz as they are made (none is held for the whole file),
     * complete or not at all.
     */
    public static void writeGz(Path file, String header, Rows rows) throws IOException {
        AtomicFiles.write(file, out -> {
            GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
            Writer w = new OutputStreamWriter(gz, StandardCharsets.UTF_8);
            w.write(header);
            w.write('\n');
            rows.writeTo(line -> {
                w.write(line);
                w.write('\n');
            });
            w.flush();
            gz.finish();
        });
    }
}
