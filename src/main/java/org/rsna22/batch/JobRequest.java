package org.rsna22.batch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
public record JobRequest(String job, Path data, Path work, String config, Path test) {

    /** The jobs this build has: the stages in pipeline order, then the pipeline of them all. */
    public static final List<String> JOBS = List.of("prepare", "train-bbox", "infer-bbox", "train-fracture",
            "infer-fracture", "report", "pipeline");

    /** The pipeline job; it alone takes {@code test=DIR}. */
    public static final String PIPELINE = "pipeline";

    /** Parameters every job takes; all of them identify the job instance. */
    public static final List<String> PARAMETERS = List.of("data", "work", "config");

    /** The pipeline's optional test set: infer-bbox and infer-fracture run on it after training. */
    public static final String TEST = "test";

    /** The jobs whose executions a run of {@code job} makes: the pipeline's stages run as jobs of their own. */
    public static List<String> executionsOf(String job) {
        return job.equals(PIPELINE) ? JOBS : List.of(job);
    }

    public JobRequest(String job, Path data, Path work, String config) {
        this(job, data, work, config, null);
    }

    public static JobRequest of(String job, Map<String, String> given) {
        if (!JOBS.contains(job)) {
            throw new IllegalArgumentException("unknown job '" + job + "'; jobs: " + String.join(", ", JOBS));
        }
        for (String k : given.keySet()) {
            if (!PARAMETERS.contains(k) && !(job.equals(PIPELINE) && k.equals(TEST))) {
                throw new IllegalArgumentException("unknown parameter '" + k + "' for job " + job
                        + "; parameters: data=DIR work=DIR config=NAME" + (job.equals(PIPELINE) ? " [test=DIR]" : ""));
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
        switch (job) {
            case "infer-bbox" -> new CompetitionLayout(dataPath).requireTrainingOrTestLayout();
            case "infer-fracture" -> new CompetitionLayout(dataPath).requireTestLayout();
            default -> new CompetitionLayout(dataPath).requireTrainingLayout();
        }
        Path testPath = null;
        String test = given.get(TEST);
        if (test != null) {
            testPath = Path.of(test).toAbsolutePath().normalize();
            if (!Files.isDirectory(testPath)) {
                throw new IllegalArgumentException("test folder " + testPath + " does not exist");
            }
            new CompetitionLayout(testPath).requireTestLayout();
        }
        Path work = Path.of(given.getOrDefault("work", "data/work")).toAbsolutePath().normalize();
        if (Files.exists(work) && !Files.isDirectory(work)) {
            throw new IllegalArgumentException("work=" + work + " is a file; expected a folder for the outputs");
        }
        String config = given.getOrDefault("config", ConfigLoader.DEFAULT);
        ConfigLoader.load(config);
        return new JobRequest(job, dataPath, work, config, testPath);
    }

    /** From the parameters of an earlier execution. */
    public static JobRequest of(String job, JobParameters p) {
        String test = p.getString(TEST);
        return new JobRequest(job, Path.of(p.getString("data")), Path.of(p.getString("work")), p.getString("config"),
                test == null ? null : Path.of(test));
    }

    /** The request's parameters as key=value, as a user would give them again. */
    public Map<String, String> given() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("data", data.toString());
        m.put("work", work.toString());
        m.put("config", config);
        if (test != null) {
            m.put(TEST, test.toString());
        }
        return m;
    }

    public JobParameters parameters() {
        JobParametersBuilder b = new JobParametersBuilder()
                .addString("data", data.toString())
                .addString("work", work.toString())
                .addString("config", config);
        if (test != null) {
            b.addString(TEST, test.toString());
        }
        return b.toJobParameters();
    }
}
