package org.rsna22.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class DemoCommandTest {

    @Test
    void everyAucIsPrintedWithItsIntervalAndPositivesAndALabelOfOneClassWithADash() {
        JsonNode cv = JsonMapper.builder().build().readTree("""
                {"auc": {"patient_overall": 0.9412, "C1": 0.7561, "C3": null},
                 "auc_interval": {"patient_overall": [0.9012, 0.9733], "C1": [0.6049, 0.8911], "C3": null},
                 "fractured": {"patient_overall": 77, "C1": 11, "C3": 0}}""");
        assertThat(DemoCommand.aucs(cv))
                .isEqualTo("patient_overall 0.94 (0.90-0.97; 77), C1 0.76 (0.60-0.89; 11), C3 -");
    }

    @Test
    void aCvScoreWrittenBeforeTheIntervalsPrintsTheAucsAlone() {
        JsonNode cv = JsonMapper.builder().build().readTree("{\"auc\": {\"patient_overall\": 0.9412, \"C1\": 0.7561}}");
        assertThat(DemoCommand.aucs(cv)).isEqualTo("patient_overall 0.94, C1 0.76");
    }
}
