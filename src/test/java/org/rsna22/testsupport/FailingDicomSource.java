package org.rsna22.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.rsna22.io.dicom.DicomFile;
import org.rsna22.io.dicom.DicomImage;
import org.rsna22.io.dicom.DicomSource;

/** Our reader, with a failure that a test can arm to strike once: after a number of reads, or on one file. */
public final class FailingDicomSource implements DicomSource {

    private final DicomSource delegate = DicomSource.own();
    private final AtomicInteger countdown = new AtomicInteger(-1);
    private volatile Path failOn;

    /** The next {@code afterReads}+1-th read throws an IllegalStateException (not a skippable error). */
    public void failAfter(int afterReads) {
        countdown.set(afterReads);
    }

    /** The next read of this file throws an IllegalStateException, once. */
    public void failOn(Path file) {
        failOn = file;
    }

    public void disarm() {
        countdown.set(-1);
        failOn = null;
    }

    @Override
    public DicomFile readHeader(Path file) throws IOException {
        strike(file);
        return delegate.readHeader(file);
    }

    @Override
    public DicomImage readImage(Path file) throws IOException {
        strike(file);
        return delegate.readImage(file);
    }

    private void strike(Path file) {
        if (file.equals(failOn)) {
            failOn = null;
            throw new IllegalStateException("injected failure while reading " + file);
        }
        if (countdown.get() >= 0 && countdown.getAndDecrement() == 0) {
            throw new IllegalStateException("injected failure while reading " + file);
        }
    }
}
