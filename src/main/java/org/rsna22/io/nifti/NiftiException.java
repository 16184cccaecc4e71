package org.rsna22.io.nifti;

import java.io.IOException;

/** A NIfTI file that cannot be read; the message names the file and the reason. */
public class NiftiException extends IOException {
    public NiftiException(String file, String reason) {
        super(file + ": " + reason);
    }
}
