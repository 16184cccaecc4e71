package org.rsna22.batch;

import java.nio.file.Path;
import org.rsna22.config.ConfigLoader;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.submission.ReportTasklet;
import org.rsna22.submission.ReportWriter;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/** The report job: work/report/index.html from whatever the earlier jobs left in the work folder. */
@Configuration
public class ReportJobConfiguration {

    public static final String JOB = "report";
    /** Studies shown with their slices and animation. */
    static final int SAMPLE_STUDIES = 3;

    @Bean
    public Job reportJob(JobRepository repository, JobOwnerListener owner, Step report) {
        return new JobBuilder(JOB, repository).listener(owner).start(report).build();
    }

    @Bean
    public Step report(JobRepository repository, PlatformTransactionManager tx, ReportTasklet reportTasklet) {
        return new StepBuilder(JOB, repository).tasklet(reportTasklet, tx).build();
    }

    @Bean
    @StepScope
    public ReportTasklet reportTasklet(@Value("#{jobParameters['data']}") String data,
                                      @Value("#{jobParameters['work']}") String work,
                                      @Value("#{jobParameters['config']}") String config, DicomSource dicom) {
        WorkLayout w = WorkLayout.of(work);
        return new ReportTasklet(new ReportWriter(new CompetitionLayout(Path.of(data)), w, ConfigLoader.load(config),
                dicom, SAMPLE_STUDIES), w.reportIndex().toString());
    }
}
