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
        AtomicFiles.write(file, out -> {
            GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
            Writer w = new OutputStreamWriter(gz, StandardCharsets.UTF_8);
            w.write(header);
            w.write('\n');
            for (String line : lines) {
                w.write(line);
                w.write('\n');
            }
            w.flush();
            gz.finish();
        });
    }
}
