package org.rsna22.batch;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.rsna22.config.ConfigDiff;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.ExperimentConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;

/**
 * What the work folder remembers of the configs its outputs follow, whatever the job database: per experiment the
 * resolved config its runs were trained with (runs/EXPERIMENT/config.yaml; before it existed, a run's own
 * config.yaml), and which experiment's outputs the folder holds (config.yaml). A job whose config differs in a key
 * that shapes a model or its data is refused before it starts, with the keys and what to do;
 * {@code --rsna22.config-changed=retrain} starts the stale runs over instead.
 */
final class WorkFolderConfig {

    /** The stages in pipeline order. */
    private static final List<String> STAGES = List.of("prepare", "train-bbox", "infer-bbox", "train-fracture",
            "infer-fracture", "report");

    private final JobRepository repository;

    WorkFolderConfig(JobRepository repository) {
        this.repository = repository;
    }

    /**
     * Checks the config of a job about to run against the work folder's records, then records it. With
     * {@code retrain}, stale runs (and the job executions that made them) are removed first.
     */
    void check(String job, JobParameters params, boolean retrain, PrintWriter out) throws IOException {
        WorkLayout work = WorkLayout.of(params.getString("work"));
        String configName = params.getString("config");
        ExperimentConfig now = ConfigLoader.load(configName);
        String exp = now.name();
        ExperimentConfig holder = stored(work.config(), "the work folder's " + work.config());
        if (holder != null && !holder.name().equals(exp)) {
            ConfigDiff shared = ConfigDiff.of(holder, now);
            List<String> prepareChanges = shared.changes().stream().filter(c -> c.startsWith("prepare.")).toList();
            if (!prepareChanges.isEmpty()) {
                throw new IllegalStateException(work.root() + " holds the outputs of experiment " + holder.name()
                        + ", whose folds and studies differ from experiment " + exp + "'s (" + String.join("; ",
                        prepareChanges) + "): its runs would no longer match the folder's folds. Use another work= "
                        + "folder for experiment " + exp);
            }
            out.printf("note: %s holds the outputs of experiment %s; this %s of experiment %s replaces its shared "
                    + "outputs (study boxes, crops, out-of-fold predictions, %s, %s); its runs stay in %s%n", work.root(),
                    holder.name(), job, exp, work.cvScore().getFileName(), work.submission().getFileName(),
                    work.runs(holder.name()));
            out.flush();
        }
        Path record = recordOf(work, exp);
        ExperimentConfig trained = record == null ? null : stored(record, record.toString());
        if (trained != null) {
            ConfigDiff diff = ConfigDiff.of(trained, now);
            if (!diff.isEmpty()) {
                if (!retrain) {
                    throw new IllegalStateException("config " + configName + " differs from the one experiment " + exp
                            + "'s runs in " + work.root() + " were trained with (" + record + ") in: "
                            + String.join("; ", diff.changes()) + ". Give the changed config another name (its "
                            + "file name names the experiment: runs go to runs/<name>), or add "
                            + "--rsna22.config-changed=retrain to train the stale runs (from "
                            + diff.firstRun() + " on) again");
                }
                retrain(job, params, work, exp, diff, out);
            }
        }
        byte[] yaml = ConfigLoader.toYaml(now).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(work.experimentConfig(exp), yaml);
        AtomicFiles.write(work.config(), yaml);
    }

    /** Removes the stale runs, what was made from them, and the job executions of the stages that must run again. */
    private void retrain(String job, JobParameters params, WorkLayout work, String exp, ConfigDiff diff,
                         PrintWriter out) throws IOException {
        String firstStage = diff.changes().stream().anyMatch(c -> c.startsWith("prepare.")) ? "prepare"
                : diff.stales("bbox") ? "train-bbox"
                : diff.changes().stream().anyMatch(c -> c.startsWith("infer_bbox.")) ? "infer-bbox" : "train-fracture";
        boolean testSet = new CompetitionLayout(Path.of(params.getString("data"))).isTestSet();
        int at = STAGES.indexOf(job);
        if (!job.equals(JobRequest.PIPELINE) && (testSet || at < 0 || at > STAGES.indexOf(firstStage)
                || job.equals("infer-fracture") || job.equals("report"))) {
            throw new IllegalStateException("the config changes (" + String.join("; ", diff.changes()) + ") make "
                    + firstStage + " and what follows it stale; " + job + (testSet ? " on a test set" : "")
                    + " does not train them: run " + firstStage + " (or pipeline) on the training data with "
                    + "--rsna22.config-changed=retrain");
        }
        List<Path> removed = new ArrayList<>();
        if (diff.stales("bbox") && Files.isDirectory(work.runs(exp))) {
            try (Stream<Path> s = Files.list(work.runs(exp))) {
                removed.addAll(s.filter(p -> p.getFileName().toString().startsWith("fold")).toList());
            }
        }
        for (String model : ConfigDiff.MODELS.subList(1, ConfigDiff.MODELS.size())) {
            if (diff.stales(model)) {
                removed.add(work.runs(exp).resolve(model));
            }
        }
        if (diff.stalesEmbeddings()) {
            removed.add(work.embeddings(exp));
        }
        removed.add(work.submission());
        for (Path p : removed) {
            if (Files.exists(p)) {
                AtomicFiles.deleteTree(p);
                out.printf("retrain: removed %s%n", p);
            }
        }
        String workParam = params.getString("work");
        String configParam = params.getString("config");
        List<String> reset = new ArrayList<>(STAGES.subList(STAGES.indexOf(firstStage), STAGES.size()));
        reset.add(JobRequest.PIPELINE);
        for (String name : reset) {
            for (JobInstance instance : repository.getJobInstances(name, 0, Integer.MAX_VALUE)) {
                JobExecution last = repository.getLastJobExecution(instance);
                if (last != null && workParam.equals(last.getJobParameters().getString("work"))
                        && configParam.equals(last.getJobParameters().getString("config"))) {
                    if (last.getStatus().isRunning()) {
                        throw new IllegalStateException("execution " + last.getId() + " of " + name + " on this work "
                                + "folder is running; stop it before retraining");
                    }
                    repository.deleteJobInstance(instance);
                    out.printf("retrain: removed the executions of %s (instance %d) from the job repository%n", name,
                            instance.getInstanceId());
                }
            }
        }
        out.flush();
    }

    /** The record of an experiment's trained config, or (from before records) a config.yaml of one of its runs. */
    private static Path recordOf(WorkLayout work, String exp) throws IOException {
        Path record = work.experimentConfig(exp);
        if (Files.isRegularFile(record)) {
            return record;
        }
        if (!Files.isDirectory(work.runs(exp))) {
            return null;
        }
        try (Stream<Path> s = Files.walk(work.runs(exp), 4)) {
            String name = work.run(exp, 0, 0).config().getFileName().toString();
            return s.filter(p -> p.getFileName().toString().equals(name) && Files.isRegularFile(p))
                    .min(Comparator.naturalOrder()).orElse(null);
        }
    }

    private static ExperimentConfig stored(Path file, String what) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        String label = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        try {
            return ConfigLoader.fromStored(Files.readString(file, StandardCharsets.UTF_8), label, what);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage() + "; move " + file + " aside if the folder's runs are not "
                    + "to be kept", e);
        }
    }
}
