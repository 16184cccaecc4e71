package org.rsna22.io.dicom;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How the jobs read DICOM files. Our own {@link DicomReader} is the default; an adapter for another toolkit
 * (dcm4che where it is available) only has to return the same types.
 */
public interface DicomSource {

    DicomFile readHeader(Path file) throws IOException;

    DicomImage readImage(Path file) throws IOException;

    /** Our own parser and codecs. */
    static DicomSource own() {
        return new DicomSource() {
            @Override
            public DicomFile readHeader(Path file) throws IOException {
                return DicomReader.readHeader(file);
            }

            @Override
            public DicomImage readImage(Path file) throws IOException {
                return DicomReader.readImage(file);
            }
        };
    }
}
