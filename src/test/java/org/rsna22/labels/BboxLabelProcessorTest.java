package org.rsna22.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.rsna22.io.geometry.LabelVolume;

class BboxLabelProcessorTest {

    @Test
    void eachSliceGetsTheInclusiveBoxOfItsCervicalVoxels() {
        byte[] empty = new byte[4 * 5];
        byte[] c3 = new byte[4 * 5];
        c3[1 * 5 + 1] = 3;      // row 1, column 1
        c3[2 * 5 + 3] = 7;      // row 2, column 3
        c3[3 * 5 + 4] = 9;      // T2 at row 3, column 4: not cervical, ignored
        byte[] thoracic = new byte[4 * 5];
        thoracic[0] = 12;
        LabelVolume v = LabelVolume.of(4, 5, empty, c3, thoracic);

        List<BoxRow> rows = BboxLabelProcessor.sliceBoxes("1.2.3", 2, List.of(10, 11, 12), v);

        assertThat(rows).containsExactly(
                new BoxRow("1.2.3", 10, 2, 2, 2, 2, false, 2),   // empty: the image centre, columns/2 and rows/2
                new BoxRow("1.2.3", 11, 1, 1, 3, 2, true, 2),
                new BoxRow("1.2.3", 12, 2, 2, 2, 2, false, 2));
    }

    @Test
    void theCsvKeepsTheOriginalSwappedHeightAndWidth() {
        // height = x1 - x0 and width = y1 - y0, as the original's train_bbox_v01 (SPEC §3)
        assertThat(new BoxRow("u", 5, 10, 20, 40, 30, true, 0).csvLine()).isEqualTo("u,5,10,20,40,30,1,30,10,0");
    }
}
