package org.rsna22.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rsna22.ops.JobProgressService.StepProgress;

class RateTextTest {

    private static String rate(double perSecond, String unit) {
        return new StepProgress("s", "STARTED", 0, -1, unit, 0, perSecond, null, 0, Map.of(), List.of(), null).rateText();
    }

    @Test
    void fastRatesAreWholeNumbersSlowOnesKeepADecimal() {
        assertThat(rate(5120.4, "slices")).isEqualTo("5,120/s");
        assertThat(rate(2.44, "studies")).isEqualTo("2.4/s");
    }

    @Test
    void belowOneASecondTheTimePerItemIsShownInsteadOfZero() {
        assertThat(rate(0.4, "batches")).isEqualTo("2.5 s/batch");
        assertThat(rate(0.25, "slices")).isEqualTo("4.0 s/slice");
        assertThat(rate(0.5, "studies")).isEqualTo("2.0 s/study");
    }
}
