package org.rsna22.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.testsupport.ExternalTools;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The inspect command's contract (DESIGN.md): fields, checksums computed as a third party computes them. */
class InspectCommandTest {

    private record Run(int exit, String out) {
    }

    private static Run inspect(String... args) {
        StringWriter out = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()))
                .execute(args);
        return new Run(exit, out.toString());
    }

    @Test
    void jsonLinesCarryTheContractFieldsAndChecksumsMatchPydicomAndNibabel(@TempDir Path tmp) throws IOException {
        ExternalTools.requirePythonModule("pydicom", "python3-pydicom");
        ExternalTools.requirePythonModule("nibabel", "python3-nibabel");
        Path ct = ExternalTools.PYDICOM_TEST_FILES.resolve("CT_small.dcm");
        Path nii = ExternalTools.NIBABEL_TEST_DATA.resolve("anatomical.nii");
        Path junk = tmp.resolve("notes.txt");
        Files.writeString(junk, "not an image");

        Run run = inspect("inspect", "--json", ct.toString(), junk.toString(), nii.toString());
        assertThat(run.exit()).isEqualTo(1);
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(3);
        JsonMapper json = JsonMapper.builder().build();
        JsonNode dcm = json.readTree(lines.get(0));
        JsonNode bad = json.readTree(lines.get(1));
        JsonNode nif = json.readTree(lines.get(2));

        assertThat(dcm.get("file").asText()).isEqualTo(ct.toString());
        assertThat(dcm.get("transferSyntaxUid").asText()).isEqualTo("1.2.840.10008.1.2.1");
        assertThat(dcm.get("rows").asInt()).isEqualTo(128);
        assertThat(dcm.get("columns").asInt()).isEqualTo(128);
        assertThat(dcm.get("imagePositionPatient")).hasSize(3);
        assertThat(dcm.get("pixelSpacing")).hasSize(2);
        assertThat(dcm.has("rescaleSlope")).isTrue();
        assertThat(dcm.has("rescaleIntercept")).isTrue();

        assertThat(bad.get("file").asText()).isEqualTo(junk.toString());
        assertThat(bad.get("error").asText()).contains("not dicom");

        assertThat(nif.get("dim")).hasSize(3);
        assertThat(nif.get("datatype").asText()).isNotEmpty();
        assertThat(nif.get("affine")).hasSize(4);

        String py = """
                import hashlib, sys, numpy as np, pydicom, nibabel as nib
                ds = pydicom.dcmread(sys.argv[1])
                hu = np.round(ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept))
                print(hashlib.sha256(hu.astype('<i2').tobytes(order='C')).hexdigest())
                v = np.asarray(nib.load(sys.argv[2]).get_fdata(), dtype='<f4')
                print(hashlib.sha256(v.ravel(order='F').tobytes()).hexdigest())
                """;
        List<String> sums = ExternalTools.runOk(List.of(ExternalTools.PYTHON, "-c", py, ct.toString(), nii.toString()), tmp)
                .lines().toList();
        assertThat(dcm.get("huSha256").asText()).isEqualTo(sums.get(0));
        assertThat(nif.get("sha256").asText()).isEqualTo(sums.get(1));
    }

    @Test
    void humanReadableLineStartsWithTheFile(@TempDir Path tmp) throws IOException {
        Path missing = tmp.resolve("nowhere.dcm");
        Run run = inspect("inspect", missing.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).startsWith(missing + "  error=").contains("no such file");
    }

    @Test
    @Timeout(30)
    void aPipeIsReportedInsteadOfBlocking(@TempDir Path tmp) throws Exception {
        Path pipe = tmp.resolve("pipe.dcm");
        assertThat(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor()).isZero();
        Run run = inspect("inspect", "--json", pipe.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("\"error\"").contains("not a regular file");
    }
}
