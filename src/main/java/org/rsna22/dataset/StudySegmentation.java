package org.rsna22.dataset;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rsna22.io.IoErrors;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.io.geometry.GeometryMismatchException;
import org.rsna22.io.geometry.LabelVolume;
import org.rsna22.io.geometry.SegmentationAligner;
import org.rsna22.io.geometry.SliceGeometry;
import org.rsna22.io.nifti.NiftiException;
import org.rsna22.io.nifti.NiftiReader;
import org.rsna22.io.nifti.NiftiVolume;

/**
 * A training study's vertebra segmentation laid on its series by geometry (NIfTI affine against each slice's
 * position and orientation): one label slice per DICOM slice, in slice_number order.
 *
 * @param sliceNumbers the study's slice numbers, ascending; label slice s belongs to sliceNumbers[s]
 */
public record StudySegmentation(List<Integer> sliceNumbers, LabelVolume labels) {

    /** Why a study's segmentation cannot be used (an unreadable slice, a mask that does not fit the series). */
    public static final class Unusable extends IOException {
        public Unusable(String message) {
            super(message);
        }
    }

    public static StudySegmentation load(CompetitionLayout data, DicomSource dicom, String uid) throws IOException {
        List<Integer> numbers = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(data.studyFolder(uid), "*.dcm")) {
            for (Path p : ds) {
                int n = CompetitionLayout.sliceNumberOf(p.getFileName().toString());
                if (n >= 0 && data.readableFile(p)) { // the others are skipped with their reason by sliceMetadata
                    numbers.add(n);
                }
            }
        }
        numbers.sort(null);
        List<SliceGeometry> geometry = new ArrayList<>(numbers.size());
        for (int n : numbers) {
            Path f = data.studyFolder(uid).resolve(n + ".dcm");
            try {
                geometry.add(SliceGeometry.of(dicom.readHeader(f)));
            } catch (IOException e) {
                throw new Unusable("slice " + n + " cannot be read, so the mask cannot be aligned: " + IoErrors.describe(e));
            }
        }
        Path seg = data.segmentation(uid);
        SliceGeometry first = geometry.isEmpty() ? null : geometry.get(0);
        // the mask must have one voxel per pixel of the series: checked before a voxel is read (a small .nii.gz
        // can inflate to gigabytes)
        NiftiVolume volume = NiftiReader.read(seg, (dim, voxels) -> {
            long expected = first == null ? 0 : (long) first.rows() * first.columns() * numbers.size();
            if (voxels != expected) {
                throw new NiftiException(seg.toString(), "does not fit its series: segmentation is " + dim[0] + "×"
                        + dim[1] + "×" + dim[2] + " voxels but the series has " + numbers.size() + " slices of "
                        + (first == null ? "0×0" : first.columns() + "×" + first.rows())
                        + " pixels (checked before its voxels are read)");
            }
        });
        try {
            return new StudySegmentation(numbers, SegmentationAligner.align(volume, geometry));
        } catch (GeometryMismatchException e) {
            throw new Unusable(seg + " does not fit its series: " + e.getMessage());
        }
    }
}
