package org.rsna22.config;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The keys in which two resolved configs differ that shape a model or its data, and where that starts in the
 * pipeline. Keys that only say how the work is run (threads, partition sizes, loader threads, prefetching,
 * parallel runs, inference batch sizes, which epochs validate, the skip budget) never count: changing them changes
 * no output.
 *
 * @param changes  "section.key: old → new", in the config's order
 * @param firstRun the first model whose runs the changes make stale, in pipeline order ({@link #MODELS})
 */
public record ConfigDiff(List<String> changes, String firstRun) {

    /** The models in pipeline order: the box localiser, then the fracture stage's. */
    public static final List<String> MODELS = List.of("bbox", "vertebra", "crack_image_1", "crack_finder_1",
            "crack_image_2", "crack_finder_2", "slice_image", "slice_fracture", "study");

    /** Keys that change how a job runs, never what it computes. */
    private static final Set<String> EXECUTION_KEYS = Set.of(
            "prepare.max_skip_share", "prepare.studies_per_partition", "prepare.threads",
            "bbox.val_batch_size", "bbox.parallel_runs", "bbox.prefetch_batches", "bbox.loader_threads",
            "infer_bbox.batch_size", "infer_bbox.studies_per_partition", "infer_bbox.threads",
            "fracture.studies_per_partition", "fracture.threads", "fracture.parallel_runs",
            // which epochs validate: a validation changes no weight (M3's image pretraining takes slice_fracture's)
            "bbox.validate_every", "fracture.vertebra.validate_every", "fracture.slice_fracture.validate_every",
            "fracture.study.validate_every");

    /** Fracture keys whose first stale model is not M2 (every other fracture key shapes all three models). */
    private static final Map<String, String> FRACTURE_FIRST = Map.ofEntries(
            Map.entry("fracture.slice_fracture", "crack_image_1"),
            Map.entry("fracture.image_pretrain_epochs", "crack_image_1"),
            Map.entry("fracture.image_pretrain_batch_size", "crack_image_1"),
            Map.entry("fracture.box_labels", "crack_image_1"),
            Map.entry("fracture.image_loss_weight", "crack_image_1"),
            Map.entry("fracture.image_mil_weight", "crack_finder_1"),
            Map.entry("fracture.pseudo_box_rounds", "crack_image_1"),
            Map.entry("fracture.study", "study"),
            Map.entry("fracture.study_lstm", "study"),
            Map.entry("fracture.max_study_length", "study"),
            Map.entry("fracture.study_inputs", "study"),
            Map.entry("fracture.test_time_turns", "study"),
            Map.entry("fracture.study_shares", "study"),
            Map.entry("fracture.study_model", "study"),
            Map.entry("fracture.study_scores", "study"));

    /** Keys that change what the stored embeddings hold (what the study model reads of each image), M3 aside. */
    private static final List<String> EMBEDDING_KEYS = List.of("fracture.study_inputs", "fracture.study_shares",
            "fracture.test_time_turns");

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** Whether the runs of {@code model} are stale. */
    public boolean stales(String model) {
        return firstRun != null && MODELS.indexOf(model) >= MODELS.indexOf(firstRun);
    }

    /**
     * Whether the stored embeddings are stale: made by a stale M3, or reading each image otherwise (inputs, shares,
     * test-time turns).
     */
    public boolean stalesEmbeddings() {
        return stales("slice_fracture") || changes.stream().anyMatch(c -> EMBEDDING_KEYS.stream()
                .anyMatch(k -> c.startsWith(k + ":")));
    }

    /** The differences from {@code before} (what the runs were trained with) to {@code after}. */
    public static ConfigDiff of(ExperimentConfig before, ExperimentConfig after) {
        JsonNode a = ConfigLoader.tree(before);
        JsonNode b = ConfigLoader.tree(after);
        List<String> changes = new ArrayList<>();
        int first = Integer.MAX_VALUE;
        for (Iterator<Map.Entry<String, JsonNode>> it = a.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> section = it.next();
            if (section.getKey().equals("name")) {
                continue;
            }
            first = Math.min(first, diff(section.getKey(), section.getValue(), b.get(section.getKey()), changes));
        }
        return new ConfigDiff(changes, first == Integer.MAX_VALUE ? null : MODELS.get(first));
    }

    /** Adds the changed leaves under {@code path}; returns the index of the first stale model (MAX_VALUE: none). */
    private static int diff(String path, JsonNode a, JsonNode b, List<String> changes) {
        if (EXECUTION_KEYS.contains(path)) {
            return Integer.MAX_VALUE;
        }
        if (a != null && b != null && a.isObject() && b.isObject()) {
            int first = Integer.MAX_VALUE;
            for (Iterator<Map.Entry<String, JsonNode>> it = a.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                first = Math.min(first, diff(path + "." + e.getKey(), e.getValue(), b.get(e.getKey()), changes));
            }
            return first;
        }
        if (a == null ? b == null : a.equals(b)) {
            return Integer.MAX_VALUE;
        }
        changes.add(path + ": " + shown(a) + " → " + shown(b));
        return MODELS.indexOf(firstStale(path));
    }

    private static String firstStale(String path) {
        if (path.startsWith("prepare.") || path.startsWith("bbox.")) {
            return "bbox";
        }
        if (path.startsWith("infer_bbox.")) {
            return "vertebra";
        }
        for (Map.Entry<String, String> e : FRACTURE_FIRST.entrySet()) {
            if (path.equals(e.getKey()) || path.startsWith(e.getKey() + ".")) {
                return e.getValue();
            }
        }
        return "vertebra";
    }

    private static String shown(JsonNode n) {
        return n == null ? "(none)" : n.isString() ? n.asString() : n.toString();
    }
}
