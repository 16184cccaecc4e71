package org.rsna22.labels;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.rsna22.dataset.Csv;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.io.AtomicFiles;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/** train_all_slices_v01.csv.gz: StudyInstanceUID, slice_number, fold for every readable slice (SPEC §3). */
public class AllSlicesTasklet implements Tasklet {

    private final WorkLayout work;

    public AllSlicesTasklet(WorkLayout work) {
        this.work = work;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
        Map<String, Integer> folds = FoldsTasklet.readFolds(work);
        long[] n = {0};
        AtomicFiles.write(work.allSlices(), out -> {
            GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
            Writer w = new OutputStreamWriter(gz, StandardCharsets.UTF_8);
            w.write("StudyInstanceUID,slice_number,fold\n");
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(Files.newInputStream(work.sliceMeta()), 1 << 16), StandardCharsets.UTF_8))) {
                r.readLine();
                String line;
                while ((line = r.readLine()) != null) {
                    List<String> f = Csv.parse(line);
                    w.write(Csv.line(f.get(0), f.get(1), folds.get(f.get(0))));
                    w.write('\n');
                    n[0]++;
                }
            }
            w.flush();
            gz.finish();
        });
        contribution.incrementWriteCount(n[0]);
        return RepeatStatus.FINISHED;
    }
}
