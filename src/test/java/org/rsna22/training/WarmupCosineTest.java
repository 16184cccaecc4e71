package org.rsna22.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WarmupCosineTest {

    @Test
    void warmsUpLinearlyThenDecaysAlongACosineToZero() {
        WarmupCosine s = new WarmupCosine(1e-3, 100, 0.1);
        assertThat(s.at(0)).isCloseTo(1e-4, within(1e-12));
        assertThat(s.at(4)).isCloseTo(5e-4, within(1e-12));
        assertThat(s.at(10)).isCloseTo(1e-3, within(1e-12));
        assertThat(s.at(55)).isCloseTo(5e-4, within(1e-12)); // halfway through the decay
        assertThat(s.at(100)).isCloseTo(0, within(1e-12));
    }

    @Test
    void withoutDecayTheRateStaysAtTheBaseAfterTheSameWarmUp() {
        WarmupCosine cosine = new WarmupCosine(1e-3, 100, 0.1);
        WarmupCosine constant = new WarmupCosine(1e-3, 100, 0.1, false);
        for (long step = 0; step < 10; step++) {
            assertThat(constant.at(step)).isEqualTo(cosine.at(step));
        }
        for (long step = 10; step <= 200; step += 10) {
            assertThat(constant.at(step)).isEqualTo(1e-3);
        }
        assertThat(cosine.at(95)).isLessThan(1e-4);
    }
}
