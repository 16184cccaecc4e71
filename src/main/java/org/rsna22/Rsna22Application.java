package org.rsna22;

import io.micrometer.core.instrument.MeterRegistry;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.ops.MeteredDicomSource;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** The Spring Boot application behind the job commands (run, restart, status). */
@SpringBootApplication
public class Rsna22Application {

    /** Our own DICOM reader, counted in metrics; replace this bean to plug in another toolkit. */
    @Bean
    public DicomSource dicomSource(MeterRegistry registry) {
        return new MeteredDicomSource(DicomSource.own(), registry);
    }
}
