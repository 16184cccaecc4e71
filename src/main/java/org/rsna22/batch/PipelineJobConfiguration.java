package org.rsna22.batch;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.flow.FlowExecutionStatus;
import org.springframework.batch.core.job.flow.JobExecutionDecider;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.job.JobParametersExtractor;
import org.springframework.batch.core.step.job.JobStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/**
 * The pipeline job: every stage as a job step of one Spring Batch job, prepare → train-bbox → infer-bbox →
 * train-fracture, with {@code test=DIR} infer-bbox and infer-fracture on that test set, and the report. Each stage runs as its
 * own job instance (same data, work and config; data=TEST for the test-set stages), so a restart of the pipeline
 * skips the completed stages and restarts the failed one where it stopped, and {@code status} shows every stage.
 */
@Configuration
public class PipelineJobConfiguration {

    public static final String JOB = JobRequest.PIPELINE;
    private static final Logger LOG = LoggerFactory.getLogger(PipelineJobConfiguration.class);
    private static final String HAS_TEST = "TEST";
    /** The stage that runs infer-bbox on the test set. */
    static final String INFER_BBOX_TEST = "infer-bbox-test";

    @Bean
    public Job pipelineJob(JobRepository repository, JobOwnerListener owner,
                           @Qualifier("pipelinePrepare") Step prepare, @Qualifier("pipelineTrainBbox") Step trainBbox,
                           @Qualifier("pipelineInferBbox") Step inferBbox,
                           @Qualifier("pipelineTrainFracture") Step trainFracture,
                           @Qualifier("pipelineInferBboxTest") Step inferBboxTest,
                           @Qualifier("pipelineInferFracture") Step inferFracture,
                           @Qualifier("pipelineReport") Step report) {
        JobExecutionDecider testGiven = (jobExecution, stepExecution) -> new FlowExecutionStatus(
                jobExecution.getJobParameters().getString(JobRequest.TEST) != null ? HAS_TEST : "NO_TEST");
        return new JobBuilder(JOB, repository).listener(owner)
                .start(prepare).next(trainBbox).next(inferBbox).next(trainFracture)
                .next(testGiven).on(HAS_TEST).to(inferBboxTest).next(inferFracture).next(report)
                .from(testGiven).on("*").to(report)
                .end().build();
    }

    @Bean
    public Step pipelinePrepare(JobRepository repository, @Lazy JobOperator operator,
                                @Qualifier("prepareJob") Job job) {
        return stage("prepare", repository, operator, job, false);
    }

    @Bean
    public Step pipelineTrainBbox(JobRepository repository, @Lazy JobOperator operator,
                                  @Qualifier("trainBboxJob") Job job) {
        return stage("train-bbox", repository, operator, job, false);
    }

    @Bean
    public Step pipelineInferBbox(JobRepository repository, @Lazy JobOperator operator,
                                  @Qualifier("inferBboxJob") Job job) {
        return stage("infer-bbox", repository, operator, job, false);
    }

    @Bean
    public Step pipelineTrainFracture(JobRepository repository, @Lazy JobOperator operator,
                                      @Qualifier("trainFractureJob") Job job) {
        return stage("train-fracture", repository, operator, job, false);
    }

    @Bean
    public Step pipelineInferBboxTest(JobRepository repository, @Lazy JobOperator operator,
                                      @Qualifier("inferBboxJob") Job job) {
        return stage(INFER_BBOX_TEST, repository, operator, job, true);
    }

    @Bean
    public Step pipelineInferFracture(JobRepository repository, @Lazy JobOperator operator,
                                      @Qualifier("inferFractureJob") Job job) {
        return stage("infer-fracture", repository, operator, job, true);
    }

    @Bean
    public Step pipelineReport(JobRepository repository, @Lazy JobOperator operator,
                               @Qualifier("reportJob") Job job) {
        return stage("report", repository, operator, job, false);
    }

    /**
     * A job step running one stage with the pipeline's parameters (data=TEST for the test-set stages). A stage whose
     * job already completed with these parameters, run on its own before the pipeline ({@code run prepare} to check
     * the data, then {@code run pipeline}), counts as done: the step completes and names that execution.
     */
    private static Step stage(String name, JobRepository repository, JobOperator operator, Job job, boolean onTest) {
        JobParametersExtractor extractor = parameters(onTest);
        JobStep step = new JobStep(repository) {
            @Override
            protected void doExecute(StepExecution stepExecution) throws Exception {
                JobExecution done = repository.getLastJobExecution(job.getName(),
                        extractor.getJobParameters(job, stepExecution));
                if (done != null && done.getStatus() == BatchStatus.COMPLETED) {
                    LOG.info("{}: {} already completed with these parameters (execution {}); not run again", name,
                            job.getName(), done.getId());
                    stepExecution.getExecutionContext().putLong(DONE_BEFORE, done.getId());
                    stepExecution.setExitStatus(ExitStatus.COMPLETED.addExitDescription(
                            "already completed by execution " + done.getId()));
                    return;
                }
                super.doExecute(stepExecution);
            }
        };
        step.setName(name);
        step.setJob(job);
        step.setJobOperator(operator);
        step.setJobParametersExtractor(extractor);
        try {
            step.afterPropertiesSet();
        } catch (Exception e) {
            throw new IllegalStateException("stage " + name + ": " + e.getMessage(), e);
        }
        return step;
    }

    /** Execution-context key of a stage step that found its job completed: that execution's id. */
    public static final String DONE_BEFORE = "rsna22.stage.completedBefore";

    /** The job a stage step runs, by the step's name; null for other names. */
    static String jobOf(String stepName) {
        return stepName.equals(INFER_BBOX_TEST) ? InferBboxJobConfiguration.JOB
                : JobRequest.JOBS.contains(stepName) && !stepName.equals(JOB) ? stepName : null;
    }

    /** The parameters a stage step gave its job. */
    static JobParameters parametersOf(StepExecution stage) {
        return parameters(stage.getStepName().equals(INFER_BBOX_TEST) || stage.getStepName().equals(
                InferFractureJobConfiguration.JOB)).getJobParameters(null, stage);
    }

    /** data, work and config of the pipeline, with data replaced by the test set for the test-set stages. */
    static JobParametersExtractor parameters(boolean onTest) {
        return (job, stepExecution) -> {
            JobParameters p = stepExecution.getJobExecution().getJobParameters();
            String data = onTest ? p.getString(JobRequest.TEST) : p.getString("data");
            return new JobParametersBuilder().addString("data", data).addString("work", p.getString("work"))
                    .addString("config", p.getString("config")).toJobParameters();
        };
    }
}
