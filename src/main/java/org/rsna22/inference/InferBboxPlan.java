package org.rsna22.inference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.SliceBoxes;
import org.rsna22.dataset.WorkLayout.Subset;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.ops.PartitionRanges;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * What infer-bbox predicts: a training set's studies (train_all_slices_v01.csv.gz from prepare) or a test set's
 * test_images/ (with the entries of it that are not usable studies), where their images are, and how the outputs are
 * named.
 */
public record InferBboxPlan(Subset subset, Path images, List<SliceBoxes> studies, List<SliceBoxes.Rejected> rejected) {

    /** The key of a partition's studies and slice numbers in its execution context. */
    public static final String STUDIES = "studies";

    public static InferBboxPlan of(CompetitionLayout data, WorkLayout work) throws IOException {
        if (data.isTestSet()) {
            SliceBoxes.Listing listing = SliceBoxes.listTestImages(data.testImages());
            return new InferBboxPlan(Subset.TEST, data.testImages(), listing.studies(), listing.rejected());
        }
        return new InferBboxPlan(Subset.TRAIN, data.trainImages(), SliceBoxes.readAllSlices(work.allSlices()), List.of());
    }

    /**
     * Partitions studies-NNNN of {@code perPartition} studies; each carries its own studies and slice numbers,
     * so no worker re-reads the whole study list.
     */
    public Map<String, ExecutionContext> partitions(int perPartition) {
        Map<String, ExecutionContext> parts = PartitionRanges.of(studies, perPartition, st -> 1, "studies");
        for (ExecutionContext ctx : parts.values()) {
            int first = ctx.getInt(PartitionRanges.FIRST);
            ctx.putString(STUDIES, SliceBoxes.encodeSlices(studies.subList(first, first + ctx.getInt(PartitionRanges.COUNT))));
        }
        return parts;
    }

    /** Per study, its highest slice number (slnum_max). */
    public Map<String, Integer> lastSlices() {
        Map<String, Integer> out = new HashMap<>();
        for (SliceBoxes st : studies) {
            out.put(st.studyUid(), st.sliceNumbers()[st.sliceNumbers().length - 1]);
        }
        return out;
    }
}
