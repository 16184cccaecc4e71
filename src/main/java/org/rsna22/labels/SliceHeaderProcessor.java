package org.rsna22.labels;

import java.nio.file.Files;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.Csv;
import org.rsna22.io.dicom.DicomFile;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.io.dicom.Tags;
import org.rsna22.io.geometry.SliceGeometry;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/** Header-only read of one slice file into its {@link SliceMeta}; unusable files are skipped with the reason. */
public class SliceHeaderProcessor implements ItemProcessor<SliceFile, SliceMeta> {

    private final DicomSource dicom;
    private final CompetitionLayout data;

    /** @param data the dataset: a file whose real path leaves it is not read */
    public SliceHeaderProcessor(DicomSource dicom, CompetitionLayout data) {
        this.dicom = dicom;
        this.data = data;
    }

    @Override
    public SliceMeta process(SliceFile item) throws Exception {
        if (!Files.isRegularFile(item.path())) {
            throw new SkippedItemException(item.path() + ": not a regular file (a pipe, device, socket or broken link)");
        }
        if (!data.readableFile(item.path())) {
            throw new SkippedItemException(item.path() + ": a link to " + item.path().toRealPath() + ", outside the "
                    + "dataset " + data.root() + "; copy the file into the dataset to use it");
        }
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
