package org.rsna22.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rsna22.io.Inspector;
import org.rsna22.io.IoErrors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** {@code inspect FILE... [--json]}: metadata and a pixel checksum of DICOM and NIfTI files, one line each. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Print DICOM or NIfTI metadata and a pixel checksum, one line per file.",
            "DICOM: huSha256 = SHA-256 of the HU image as little-endian int16, row-major, "
                + "HU = round(stored × slope + intercept).",
            "NIfTI: sha256 of the (scaled) voxels as little-endian float32 in file order.",
            "A file that cannot be read prints its error and the command goes on; the exit code is 1 then."})
final class InspectCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "DICOM (.dcm or any name) or NIfTI (.nii, .nii.gz) files")
    List<Path> files;

    @Option(names = "--json", description = "one JSON object per line")
    boolean json;

    @Spec
    CommandSpec spec;

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int failures = 0;
        for (Path f : files) {
            Map<String, Object> row;
            try {
                if (Files.isDirectory(f)) {
                    throw new IOException(f + ": is a directory, not a file");
                }
                row = Inspector.inspect(f);
            } catch (IOException | RuntimeException e) {
                failures++;
                row = new LinkedHashMap<>();
                row.put("file", f.toString());
                row.put("error", IoErrors.describe(e));
            }
            out.println(json ? MAPPER.writeValueAsString(row) : human(row));
            out.flush();
        }
        return failures == 0 ? 0 : 1;
    }

    private static String human(Map<String, Object> row) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : row.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append(e.getKey().equals("file") ? "" : "  ");
            }
            if (e.getKey().equals("file")) {
                sb.append(e.getValue());
                continue;
            }
            sb.append(e.getKey()).append('=').append(format(e.getValue()));
        }
        return sb.toString();
    }

    private static String format(Object v) {
        if (v instanceof double[] d) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < d.length; i++) {
                sb.append(i == 0 ? "" : ",").append(d[i]);
            }
            return sb.append(']').toString();
        }
        if (v instanceof int[] d) {
            return Arrays.toString(d).replace(" ", "");
        }
        if (v instanceof double[][] m) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < m.length; i++) {
                sb.append(i == 0 ? "" : ",").append(format(m[i]));
            }
            return sb.append(']').toString();
        }
        return String.valueOf(v);
    }
}
