package org.rsna22.io.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.testsupport.ExternalTools;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every single-frame grayscale image among the real DICOM files that Debian's python3-pydicom ships
 * decodes to exactly the pixels of a third-party reference: pydicom for native data, pydicom on the
 * output of dcmtk's dcmdjpeg/dcmdrle or GDCM's gdcmconv --raw for compressed data.
 */
class PydicomCorpusTest {

    /** In-scope files we refuse, each with the reason it must carry. */
    private static final Map<String, String> EXPECTED_REJECTIONS = Map.of(
            "JPEG-lossy.dcm", "12-bit lossy JPEG cannot be decoded",
            "JPGExtended.dcm", "12-bit lossy JPEG cannot be decoded",
            "MR_truncated.dcm", "truncated",
            "badVR.dcm", "(0028,0008) is not an integer: '1A'",
            // pixel data without Rows/Columns: not an image
            "meta_missing_tsyntax.dcm", "missing attribute at tag (0028,0010)",
            "nested_priv_SQ.dcm", "missing attribute at tag (0028,0010)",
            // its J2K codestream is deliberately corrupt (SIZ overwritten); GDCM refuses it too
            "JPEG2000-embedded-sequence-delimiter.dcm", "JPEG 2000 stream cannot be decoded");

    private record Candidate(Path file, DicomFile header, Path nativeCopy) {
    }

    @Test
    void everyGrayscaleSingleFrameFileDecodesLikeTheThirdPartyReference(@TempDir Path tmp) throws IOException {
        ExternalTools.require(ExternalTools.PYDICOM_TEST_FILES, "python3-pydicom");
        ExternalTools.requirePythonModule("pydicom", "python3-pydicom");
        ExternalTools.requireCommand("dcmdjpeg", "dcmtk");
        ExternalTools.requireCommand("gdcmconv", "libgdcm-tools");

        List<Path> files;
        try (Stream<Path> s = Files.walk(ExternalTools.PYDICOM_TEST_FILES)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        List<Candidate> candidates = new ArrayList<>();
        Map<String, Integer> notImages = new TreeMap<>();
        for (Path f : files) {
            DicomFile h;
            try {
                h = DicomReader.readHeader(f);
            } catch (DicomException e) {
                if (EXPECTED_REJECTIONS.containsKey(f.getFileName().toString())) {
                    assertThat(e.getMessage()).contains(EXPECTED_REJECTIONS.get(f.getFileName().toString()));
                }
                notImages.merge(e.kind().name(), 1, Integer::sum);
                continue;
            }
            if (!inScope(h)) {
                notImages.merge("not a single-frame grayscale image", 1, Integer::sum);
                continue;
            }
            Path nativeCopy = f;
            if (h.transferSyntax().encapsulated()) {
                nativeCopy = tmp.resolve("ref" + candidates.size() + ".dcm");
                List<String> cmd = switch (h.transferSyntax()) {
                    case RLE_LOSSLESS -> List.of("dcmdrle", f.toString(), nativeCopy.toString());
                    case JPEG_2000, JPEG_2000_LOSSLESS -> List.of("gdcmconv", "--raw", f.toString(), nativeCopy.toString());
                    default -> List.of("dcmdjpeg", f.toString(), nativeCopy.toString());
                };
                if (ExternalTools.run(cmd, tmp).exit() != 0) {
                    nativeCopy = null; // the reference tool cannot decode it either
                }
            }
            candidates.add(new Candidate(f, h, nativeCopy));
        }

        List<String> args = new ArrayList<>(List.of(ExternalTools.PYTHON,
                Path.of("src/test/python/dump_pixels.py").toAbsolutePath().toString(), tmp.toString()));
        List<Integer> refIndex = new ArrayList<>();
        for (Candidate c : candidates) {
            refIndex.add(c.nativeCopy() == null ? -1 : args.size() - 3);
            if (c.nativeCopy() != null) {
                args.add(c.nativeCopy().toString());
            }
        }
        JsonMapper json = JsonMapper.builder().build();
        Map<Integer, JsonNode> refs = new TreeMap<>();
        for (String line : ExternalTools.runOk(args, tmp).split("\n")) {
            if (!line.isBlank()) {
                JsonNode n = json.readTree(line);
                refs.put(n.get("index").asInt(), n);
            }
        }

        Map<String, Integer> checked = new TreeMap<>();
        Map<String, Integer> rejected = new TreeMap<>();
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            String name = c.file().getFileName().toString();
            String ts = c.header().transferSyntaxUid();
            if (EXPECTED_REJECTIONS.containsKey(name)) {
                DicomException e = assertThrows(DicomException.class, () -> DicomReader.readImage(c.file()), name);
                assertThat(e.getMessage()).as(name).contains(EXPECTED_REJECTIONS.get(name));
                rejected.merge(ts, 1, Integer::sum);
                continue;
            }
            JsonNode ref = refs.get(refIndex.get(i));
            assertNotNull(ref, name + ": the reference tool could not decode it but it is not an expected rejection");
            assertTrue(!ref.has("error"), name + ": pydicom failed: " + ref);
            DicomImage img = DicomReader.readImage(c.file());
            assertEquals(ref.get("rows").asInt(), img.rows(), name);
            assertEquals(ref.get("columns").asInt(), img.columns(), name);
            long[] expected = readLongs(tmp.resolve(refIndex.get(i) + ".raw"));
            boolean lossy = c.header().transferSyntax() == TransferSyntax.JPEG_BASELINE
                    || c.header().transferSyntax() == TransferSyntax.JPEG_EXTENDED
                    || c.header().transferSyntax() == TransferSyntax.JPEG_2000;
            long tolerance = lossy ? 1 : 0; // lossy decoders (here jj2000 vs OpenJPEG) may round differently
            for (int p = 0; p < expected.length; p++) {
                long got = img.storedValue(p);
                if (Math.abs(got - expected[p]) > tolerance) {
                    throw new AssertionError(name + " (" + ts + "): pixel " + p + " is " + got + ", reference " + expected[p]);
                }
            }
            checked.merge(ts, 1, Integer::sum);
        }
        System.out.println("pydicom corpus: " + files.size() + " files; matched the reference per transfer syntax (lossy within ±1): " + checked
                + "; rejected as expected: " + rejected + "; not single-frame grayscale images: " + notImages);
        for (TransferSyntax ts : List.of(TransferSyntax.IMPLICIT_VR_LE, TransferSyntax.EXPLICIT_VR_LE,
                TransferSyntax.EXPLICIT_VR_BE, TransferSyntax.DEFLATED_EXPLICIT_VR_LE, TransferSyntax.RLE_LOSSLESS,
                TransferSyntax.JPEG_2000_LOSSLESS, TransferSyntax.JPEG_2000)) {
            assertThat(checked.getOrDefault(ts.uid(), 0)).as("files checked for " + ts).isPositive();
        }
    }

    private static boolean inScope(DicomFile h) {
        if (!h.hasPixelData()) {
            return false;
        }
        DicomObject ds = h.dataset();
        if (ds.getInt(Tags.SAMPLES_PER_PIXEL, 1) != 1) {
            return false;
        }
        try {
            return ds.getInt(Tags.NUMBER_OF_FRAMES, 1) == 1;
        } catch (NumberFormatException e) {
            return true; // unreadable frame count: we must reject it with that reason
        }
    }

    private static long[] readLongs(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }
}
