package org.rsna22.io.nifti;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.testsupport.ExternalTools;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every NIfTI-1 file of up to three dimensions among nibabel's test data loads with the shape, affine and
 * voxel values nibabel reports; NIfTI-2, 4-D and Analyze files are refused with their reason.
 */
class NibabelCorpusTest {

    @Test
    void nibabelTestDataLoadsLikeNibabel(@TempDir Path tmp) throws IOException {
        ExternalTools.require(ExternalTools.NIBABEL_TEST_DATA, "python3-nibabel");
        ExternalTools.requirePythonModule("nibabel", "python3-nibabel");
        List<Path> files;
        try (Stream<Path> s = Files.list(ExternalTools.NIBABEL_TEST_DATA)) {
            files = s.filter(p -> p.getFileName().toString().matches(".*\\.(nii|hdr)(\\.gz)?$")).sorted().toList();
        }
        int checked = compareWithNibabel(files, tmp);
        assertThat(checked).isGreaterThanOrEqualTo(4);
    }

    @Test
    void everyDatatypeByteOrderAndAffineKindLoadsLikeNibabel(@TempDir Path tmp) throws IOException {
        ExternalTools.requirePythonModule("nibabel", "python3-nibabel");
        String out = ExternalTools.runOk(List.of(ExternalTools.PYTHON,
                Path.of("src/test/python/make_nifti_variants.py").toAbsolutePath().toString(), tmp.toString()), tmp);
        List<Path> files = out.lines().map(Path::of).toList();
        assertThat(compareWithNibabel(files, tmp)).isEqualTo(files.size());
    }

    /** Compares each file with nibabel; returns how many were NIfTI-1 volumes that matched. */
    private static int compareWithNibabel(List<Path> files, Path tmp) throws IOException {
        List<String> args = new ArrayList<>(List.of(ExternalTools.PYTHON,
                Path.of("src/test/python/dump_nifti.py").toAbsolutePath().toString(), tmp.toString()));
        files.forEach(f -> args.add(f.toString()));
        JsonMapper json = JsonMapper.builder().build();
        String[] lines = ExternalTools.runOk(args, tmp).trim().split("\n");
        assertThat(lines).hasSize(files.size());

        int checked = 0;
        int refused = 0;
        for (String line : lines) {
            JsonNode ref = json.readTree(line);
            Path f = files.get(ref.get("index").asInt());
            String kind = ref.has("kind") ? ref.get("kind").asText() : "error";
            List<Integer> shape = new ArrayList<>();
            if (ref.has("shape")) {
                ref.get("shape").forEach(n -> shape.add(n.asInt()));
            }
            boolean threeD = shape.size() <= 3 || shape.subList(3, shape.size()).stream().allMatch(n -> n == 1);
            if (!kind.equals("nifti1") || !threeD) {
                NiftiException e = assertThrows(NiftiException.class, () -> NiftiReader.read(f), f.toString());
                String expected = switch (kind) {
                    case "nifti2", "Nifti2Pair", "Cifti2Image" -> "NIfTI-2 is not supported";
                    case "nifti1" -> "is not supported; expected at most 3 dimensions";
                    case "Nifti1Pair" -> ".img beside it"; // Debian ships the header of this pair without its image
                    default -> "not a NIfTI-1 file";
                };
                assertThat(e.getMessage()).as(f + " (" + kind + ")").contains(expected);
                refused++;
                continue;
            }
            NiftiVolume v = NiftiReader.read(f);
            for (int a = 0; a < 3; a++) {
                assertThat(v.dim(a)).as(f + " dim " + a).isEqualTo(a < shape.size() ? shape.get(a) : 1);
            }
            double[][] affine = v.affine();
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 4; c++) {
                    double e = ref.get("affine").get(r).get(c).asDouble();
                    assertThat(affine[r][c]).as(f + " affine[" + r + "][" + c + "]")
                            .isCloseTo(e, Offset.offset(1e-5 * Math.max(1, Math.abs(e))));
                }
            }
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(tmp.resolve(ref.get("index").asInt() + ".raw")))
                    .order(ByteOrder.LITTLE_ENDIAN);
            assertThat((long) b.remaining() / 8).isEqualTo(v.voxelCount());
            for (long i = 0; i < v.voxelCount(); i++) {
                double e = b.getDouble();
                double got = v.value(i);
                if (Math.abs(got - e) > 1e-6 * Math.max(1, Math.abs(e))) {
                    throw new AssertionError(f + ": voxel " + i + " is " + got + ", nibabel " + e);
                }
            }
            checked++;
        }
        System.out.println("nibabel: " + checked + " NIfTI-1 files matched nibabel, " + refused
                + " refused (NIfTI-2, 4-D, Analyze, a pair without its image)");
        return checked;
    }
}
