package org.rsna22.batch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.rsna22.config.ConfigLoader;
import org.rsna22.dataset.CompetitionLayout;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

/**
 * A job asked for on the command line, checked before anything starts: a known job, known parameters, a
 * data folder in the competition layout, a config that loads. Every message says what was expected.
 */
public record JobRequest(String job, Path data, Path work, String config) {

    /** The jobs this build has, in pipeline order. */
    public static final List<String> JOBS = List.of("prepare", "train-bbox", "infer-bbox", "train-fracture");

    /** Parameters every job takes; all of them identify the job instance. */
    public static final List<String> PARAMETERS = List.of("data", "work", "config");

    public static JobRequest of(String job, Map<String, String> given) {
        if (!JOBS.contains(job)) {
            throw new IllegalArgumentException("unknown job '" + job + "'; jobs: " + String.join(", ", JOBS));
        }
        for (String k : given.keySet()) {
            if (!PARAMETERS.contains(k)) {
                throw new IllegalArgumentException("unknown parameter '" + k + "' for job " + job
                        + "; parameters: data=DIR work=DIR config=NAME");
            }
        }
        String data = given.get("data");
        if (data == null || data.isBlank()) {
            throw new IllegalArgumentException("job " + job + " needs data=DIR (a dataset in the competition layout)");
        }
        Path dataPath = Path.of(data).toAbsolutePath().normalize();
        if (!Files.isDirectory(dataPath)) {
            throw new IllegalArgumentException(Files.exists(dataPath)
                    ? "data=" + dataPath + " is a file; expected the dataset folder (with train.csv and train_images/)"
                    : "data folder " + dataPath + " does not exist");
        }
        if (job.equals("infer-bbox")) {
            new CompetitionLayout(dataPath).requireTrainingOrTestLayout();
        } else {
            new CompetitionLayout(dataPath).requireTrainingLayout();
        }
        Path work = Path.of(given.getOrDefault("work", "data/work")).toAbsolutePath().normalize();
        if (Files.exists(work) && !Files.isDirectory(work)) {
            throw new IllegalArgumentException("work=" + work + " is a file; expected a folder for the outputs");
        }
        String config = given.getOrDefault("config", ConfigLoader.DEFAULT);
        ConfigLoader.load(config);
        return new JobRequest(job, dataPath, work, config);
    }

    /** From the parameters of an earlier execution. */
    public static JobRequest of(String job, JobParameters p) {
        return new JobRequest(job, Path.of(p.getString("data")), Path.of(p.getString("work")), p.getString("config"));
    }

    public JobParameters parameters() {
        return new JobParametersBuilder()
                .addString("data", data.toString())
                .addString("work", work.toString())
                .addString("config", config)
                .toJobParameters();
    }
}
