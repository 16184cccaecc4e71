package org.rsna22.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SliceBoxesTest {

    @Test
    void slicesTravelAsRunsAndComeBackUnchanged() {
        List<SliceBoxes> studies = List.of(
                new SliceBoxes("1.2.3", 4, new int[] {1, 2, 3, 5, 7, 8, 9, 200}, null, null),
                new SliceBoxes("1.2.4", -1, new int[] {10, 11, 12}, null, null));
        String encoded = SliceBoxes.encodeSlices(studies);
        assertThat(encoded).isEqualTo("1.2.3|4|1-3,5,7-9,200;1.2.4|-1|10-12");
        List<SliceBoxes> back = SliceBoxes.decodeSlices(encoded);
        assertThat(back).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(back.get(i).studyUid()).isEqualTo(studies.get(i).studyUid());
            assertThat(back.get(i).fold()).isEqualTo(studies.get(i).fold());
            assertThat(back.get(i).sliceNumbers()).containsExactly(studies.get(i).sliceNumbers());
        }
        assertThat(SliceBoxes.decodeSlices("")).isEmpty();
        assertThatThrownBy(() -> SliceBoxes.decodeSlices("1.2.3|4")).hasMessageContaining("1.2.3|4");
    }
}
