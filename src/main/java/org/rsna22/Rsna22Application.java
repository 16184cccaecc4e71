package org.rsna22;

import org.rsna22.io.dicom.DicomSource;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** The Spring Boot application behind the job commands (run, restart, status). */
@SpringBootApplication
public class Rsna22Application {

    /** Our own DICOM reader; replace this bean to plug in another toolkit. */
    @Bean
    public DicomSource dicomSource() {
        return DicomSource.own();
    }
}
