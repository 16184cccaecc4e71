package org.rsna22.dataset;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Splits studies into k folds stratified on patient_overall: each class is sorted by UID, shuffled with
 * the seed and dealt round-robin, continuing across classes. The same studies and seed give the same folds.
 */
public final class FoldAssigner {
    private FoldAssigner() {
    }

    public static Map<String, Integer> assign(List<StudyLabels> studies, int k, long seed) {
        Map<String, Integer> folds = new HashMap<>();
        Random rnd = new Random(seed);
        int next = 0;
        for (int cls = 0; cls <= 1; cls++) {
            List<String> group = new ArrayList<>();
            for (StudyLabels s : studies) {
                if (s.patientOverall() == cls) {
                    group.add(s.studyUid());
                }
            }
            group.sort(Comparator.naturalOrder());
            Collections.shuffle(group, rnd);
            for (String uid : group) {
                folds.put(uid, next);
                next = (next + 1) % k;
            }
        }
        return folds;
    }
}
