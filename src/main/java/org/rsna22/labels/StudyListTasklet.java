package org.rsna22.labels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.rsna22.config.PrepareConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.SkipRecord;
import org.rsna22.dataset.StudyLabels;
import org.rsna22.dataset.TrainLabelsCsv;
import org.rsna22.dataset.Uids;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Decides which studies the job works on: labelled in train.csv, with a valid UID, not excluded by config,
 * with a non-empty image folder. Writes parts/prepare/studies.csv (sorted by UID, with file counts and
 * whether a segmentation exists) and the reason for every study left out.
 */
public class StudyListTasklet implements Tasklet {

    public static final String STEP = "studyList";

    private final CompetitionLayout data;
    private final WorkLayout work;
    private final PrepareConfig config;

    public StudyListTasklet(CompetitionLayout data, WorkLayout work, PrepareConfig config) {
        this.data = data;
        this.work = work;
        this.config = config;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        data.requireTrainingLayout();
        AtomicFiles.deleteTree(work.prepareParts());
        Files.createDirectories(work.prepareParts());
        List<String> skipped = new ArrayList<>();
        TreeMap<String, StudyLabels> labelled = new TreeMap<>();
        int[] problems = {0};
        Set<String> rejected = new HashSet<>();
        for (TrainLabelsCsv.Row row : TrainLabelsCsv.read(data.trainCsv(), (uid, reason) -> {
            skipped.add(SkipRecord.line(STEP, uid, "", reason));
            rejected.add(uid);
            problems[0]++;
        })) {
            String uid = row.labels().studyUid();
            if (labelled.putIfAbsent(uid, row.labels()) != null) {
                skipped.add(SkipRecord.line(STEP, uid, "", "train.csv lists the study twice; the first row is used"));
                problems[0]++;
            }
        }
        Set<String> folders = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(data.trainImages())) {
            List<Path> entries = new ArrayList<>();
            ds.forEach(entries::add);
            entries.sort(null);
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (!Files.isDirectory(p)) {
                    continue; // stray files beside the study folders (.DS_Store) are not studies
                }
                if (!Uids.isValid(name)) {
                    skipped.add(SkipRecord.line(STEP, "", "", "train_images/" + name + ": folder name " + Uids.invalidReason(name)));
                    problems[0]++;
                } else if (!labelled.containsKey(name)) {
                    if (!rejected.contains(name)) { // a rejected row already says why the study is left out
                        skipped.add(SkipRecord.line(STEP, name, "", "train_images/" + name + " has no row in train.csv"));
                        problems[0]++;
                    }
                } else {
                    folders.add(name);
                }
            }
        }
        Set<String> excluded = new HashSet<>(config.excludedStudies());
        List<StudyEntry> admitted = new ArrayList<>();
        for (StudyLabels labels : labelled.values()) {
            String uid = labels.studyUid();
            contribution.incrementReadCount();
            if (excluded.contains(uid)) {
                skipped.add(SkipRecord.line(STEP, uid, "", "excluded by config (prepare.excluded_studies)"));
                continue;
            }
            if (!folders.contains(uid)) {
                skipped.add(SkipRecord.line(STEP, uid, "", "listed in train.csv but train_images/" + uid + " does not exist"));
                problems[0]++;
                continue;
            }
            int files;
            try (Stream<Path> s = Files.list(data.studyFolder(uid))) {
                files = (int) s.filter(Files::isRegularFile).count();
            }
            if (files == 0) {
                skipped.add(SkipRecord.line(STEP, uid, "", "train_images/" + uid + " holds no image files"));
                problems[0]++;
                continue;
            }
            admitted.add(new StudyEntry(labels, files, Files.isRegularFile(data.segmentation(uid))));
        }
        writeLines(work.studyListSkipped(), skipped);
        // the step's skip count is the number of its rows in skipped.csv, whatever the reason
        for (int i = 0; i < skipped.size(); i++) {
            contribution.incrementProcessSkipCount();
        }
        List<String> rows = new ArrayList<>();
        admitted.forEach(s -> rows.add(s.csvLine()));
        if (admitted.isEmpty()) {
            throw new IllegalStateException("no usable study in " + data.root() + ": see " + work.studyListSkipped());
        }
        SkipShare.check(STEP, problems[0], admitted.size() + problems[0], config.maxSkipShare(), work.studyListSkipped());
        AtomicFiles.write(work.preparedStudies(), (StudyEntry.HEADER + "\n" + String.join("\n", rows) + "\n")
                .getBytes(StandardCharsets.UTF_8));
        contribution.incrementWriteCount(admitted.size());
        return RepeatStatus.FINISHED;
    }

    static void writeLines(Path file, List<String> lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        lines.forEach(l -> sb.append(l).append('\n'));
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }


    /** Reads parts/prepare/studies.csv. */
    public static List<StudyEntry> readStudies(WorkLayout work) throws IOException {
        List<StudyEntry> out = new ArrayList<>();
        try (Stream<String> lines = Files.lines(work.preparedStudies(), StandardCharsets.UTF_8)) {
            lines.skip(1).filter(l -> !l.isBlank()).forEach(l -> out.add(StudyEntry.parse(l)));
        }
        return out;
    }
}
