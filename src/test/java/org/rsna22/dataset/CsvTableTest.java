package org.rsna22.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dataset's CSV files as RFC 4180 has them: quoted commas, quotes and line breaks, a byte-order mark. */
class CsvTableTest {

    @Test
    void quotedCommasAndLineBreaksStayInsideTheirField(@TempDir Path dir) throws IOException {
        Path train = dir.resolve("train.csv");
        Files.writeString(train, "\uFEFFStudyInstanceUID,patient_overall,C1,C2,C3,C4,C5,C6,C7,note\n"
                + "1.2.3,1,0,1,0,0,0,0,0,\"C2, dens; see\nreport \"\"A\"\"\"\n"
                + "\n"
                + "1.2.4,0,0,0,0,0,0,0,0,plain\n"
                + "bad uid,0,0,0,0,0,0,0,0,\"x\"\n");
        List<String> rejected = new ArrayList<>();
        List<TrainLabelsCsv.Row> rows = TrainLabelsCsv.read(train, (uid, reason) -> rejected.add(reason));
        assertThat(rows).extracting(r -> r.labels().studyUid()).containsExactly("1.2.3", "1.2.4");
        assertThat(rows.get(0).labels().patientOverall()).isEqualTo(1);
        assertThat(rows.get(0).labels().vertebrae()[1]).isEqualTo(1);
        assertThat(rejected).singleElement().asString().startsWith("train.csv line 6: StudyInstanceUID");

        CsvTable t = CsvTable.read(train);
        assertThat(t.header()).first().isEqualTo("StudyInstanceUID");
        assertThat(t.rows().get(0).get(9)).isEqualTo("C2, dens; see\nreport \"A\"");
        assertThat(t.rows()).extracting(CsvTable.Row::line).containsExactly(2L, 5L, 6L);
    }

    @Test
    void testCsvStudiesComeFirstThenTheImageFolders(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("test_images/1.2.9"));
        Files.createDirectories(dir.resolve("test_images/1.2.5"));
        Files.writeString(dir.resolve("test.csv"), "row_id,StudyInstanceUID,prediction_type\n"
                + "\"1.2.7_C1\",1.2.7,C1\n\"1.2.7_C2\",\"1.2.7\",\"C2\"\n1.2.9_C1,1.2.9,C1\n");
        assertThat(new CompetitionLayout(dir).testStudies()).containsExactly("1.2.7", "1.2.9", "1.2.5");
    }
}
