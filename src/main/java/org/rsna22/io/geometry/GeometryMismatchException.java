package org.rsna22.io.geometry;

import java.io.IOException;

/** A segmentation that does not fit its DICOM series; the message says how they differ. */
public class GeometryMismatchException extends IOException {
    public GeometryMismatchException(String message) {
        super(message);
    }
}
