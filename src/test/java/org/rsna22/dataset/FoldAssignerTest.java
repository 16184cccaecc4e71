package org.rsna22.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FoldAssignerTest {

    private static List<StudyLabels> studies(int positives, int negatives) {
        List<StudyLabels> out = new ArrayList<>();
        for (int i = 0; i < positives + negatives; i++) {
            out.add(new StudyLabels("1.2." + i, i < positives ? 1 : 0, new int[7]));
        }
        return out;
    }

    @Test
    void everyFoldGetsTheSameShareOfEachClass() {
        List<StudyLabels> s = studies(10, 15);
        Map<String, Integer> folds = FoldAssigner.assign(s, 5, 42);
        assertThat(folds).hasSize(25);
        for (int k = 0; k < 5; k++) {
            int fold = k;
            long pos = s.stream().filter(st -> st.patientOverall() == 1 && folds.get(st.studyUid()) == fold).count();
            long neg = s.stream().filter(st -> st.patientOverall() == 0 && folds.get(st.studyUid()) == fold).count();
            assertThat(pos).as("positives in fold %d", k).isEqualTo(2);
            assertThat(neg).as("negatives in fold %d", k).isEqualTo(3);
        }
    }

    @Test
    void theSameStudiesInAnyOrderGiveTheSameFolds() {
        List<StudyLabels> s = studies(7, 9);
        List<StudyLabels> shuffled = new ArrayList<>(s);
        Collections.reverse(shuffled);
        assertThat(FoldAssigner.assign(shuffled, 5, 7)).isEqualTo(FoldAssigner.assign(s, 5, 7));
        assertThat(FoldAssigner.assign(s, 5, 8)).isNotEqualTo(FoldAssigner.assign(s, 5, 7));
    }

    @Test
    void dealingContinuesAcrossClasses() {
        // 3 negatives take folds 0, 1, 2 (in shuffled order); the 2 positives continue with folds 3 and 4
        List<StudyLabels> s = studies(2, 3);
        Map<String, Integer> folds = FoldAssigner.assign(s, 5, 1);
        assertThat(s.subList(0, 2).stream().map(st -> folds.get(st.studyUid())).sorted().toList()).containsExactly(3, 4);
        assertThat(s.subList(2, 5).stream().map(st -> folds.get(st.studyUid())).sorted().toList()).containsExactly(0, 1, 2);
    }
}
