package org.rsna22.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import org.rsna22.io.dicom.DicomException;
import org.rsna22.io.dicom.DicomFile;
import org.rsna22.io.dicom.DicomImage;
import org.rsna22.io.dicom.DicomSource;

/**
 * Counts what the jobs read: {@code rsna22.dicom.headers.read}, {@code rsna22.dicom.images.decoded} and
 * {@code rsna22.dicom.errors} (by kind). Rates per second come from the monitoring system.
 */
public final class MeteredDicomSource implements DicomSource {
    private final DicomSource delegate;
    private final Counter headers;
    private final Counter images;
    private final MeterRegistry registry;

    public MeteredDicomSource(DicomSource delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
        this.headers = Counter.builder("rsna22.dicom.headers.read").description("DICOM headers read").register(registry);
        this.images = Counter.builder("rsna22.dicom.images.decoded").description("DICOM images decoded").register(registry);
    }

    @Override
    public DicomFile readHeader(Path file) throws IOException {
        try {
            DicomFile f = delegate.readHeader(file);
            headers.increment();
            return f;
        } catch (DicomException e) {
            error(e);
            throw e;
        }
    }

    @Override
    public DicomImage readImage(Path file) throws IOException {
        try {
            DicomImage i = delegate.readImage(file);
            images.increment();
            return i;
        } catch (DicomException e) {
            error(e);
            throw e;
        }
    }

    private void error(DicomException e) {
        registry.counter("rsna22.dicom.errors", "kind", e.kind().name()).increment();
    }
}
