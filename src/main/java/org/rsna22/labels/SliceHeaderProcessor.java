package org.rsna22.labels;

import org.rsna22.dataset.Csv;
import org.rsna22.io.dicom.DicomFile;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.io.dicom.Tags;
import org.rsna22.io.geometry.SliceGeometry;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/** Header-only read of one slice file into its {@link SliceMeta}; unusable files are skipped with the reason. */
public class SliceHeaderProcessor implements ItemProcessor<SliceFile, SliceMeta> {

    private final DicomSource dicom;

    public SliceHeaderProcessor(DicomSource dicom) {
        this.dicom = dicom;
    }

    @Override
    public SliceMeta process(SliceFile item) throws Exception {
        if (item.sliceNumber() < 0) {
            throw new SkippedItemException(item.path() + ": not a slice file (expected <slice_number>.dcm)");
        }
        DicomFile h = dicom.readHeader(item.path());
        if (!h.hasPixelData()) {
            throw new SkippedItemException(item.path() + ": no pixel data");
        }
        String uid = h.dataset().getString(Tags.STUDY_INSTANCE_UID);
        if (uid != null && !uid.equals(item.studyUid())) {
            throw new SkippedItemException(item.path() + ": StudyInstanceUID " + uid + " differs from its folder "
                    + item.studyUid());
        }
        SliceGeometry g = SliceGeometry.of(h);
        double[] o = h.doubles(Tags.IMAGE_ORIENTATION_PATIENT);
        StringBuilder orientation = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            orientation.append(i == 0 ? "" : " ").append(Csv.num(o[i]));
        }
        double[] slope = h.doubles(Tags.RESCALE_SLOPE);
        double[] intercept = h.doubles(Tags.RESCALE_INTERCEPT);
        return new SliceMeta(item.studyUid(), item.sliceNumber(), g.position()[0], g.position()[1], g.position()[2],
                g.rows(), g.columns(), g.rowSpacing(), g.columnSpacing(), orientation.toString(),
                h.transferSyntaxUid(), slope == null || slope.length == 0 ? 1 : slope[0],
                intercept == null || intercept.length == 0 ? 0 : intercept[0]);
    }
}
