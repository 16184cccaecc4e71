package org.rsna22.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a changed key makes the trained runs stale: from the first model it shapes, in pipeline order. */
class ConfigDiffTest {

    @Test
    void eachChangeStalesTheRunsFromTheFirstModelItShapes(@TempDir Path tmp) throws Exception {
        ExperimentConfig base = load(tmp, "base", "fracture:\n  box_labels: true\n  image_loss_weight: 1\n");
        // the bag term only enters the sequence training of the crack finder and M3 (and M3's pretraining reads what
        // the crack finder finds): M2 and the crack finder's pretraining stay
        assertThat(ConfigDiff.of(base, load(tmp, "bags", "fracture:\n  box_labels: true\n  image_loss_weight: 1\n"
                + "  image_mil_weight: 1\n")).firstRun()).isEqualTo("crack_finder_1");
        // self-training: the crack finder's pretraining and all after it (M3's pretraining reads the cracks it
        // finds), M2 kept
        ConfigDiff pseudo = ConfigDiff.of(base, load(tmp, "pseudo", "fracture:\n  box_labels: true\n"
                + "  image_loss_weight: 1\n  pseudo_box_rounds: 1\n"));
        assertThat(pseudo.firstRun()).isEqualTo("crack_image_1");
        assertThat(pseudo.stales("vertebra")).isFalse();
        assertThat(pseudo.stales("slice_image")).isTrue();
        assertThat(pseudo.stalesEmbeddings()).isTrue();
        // the turns are M2's too
        ConfigDiff turned = ConfigDiff.of(base, load(tmp, "turned", "fracture:\n  box_labels: true\n"
                + "  image_loss_weight: 1\n  augment: dihedral\n"));
        assertThat(turned.firstRun()).isEqualTo("vertebra");
        assertThat(turned.changes()).containsExactly("fracture.augment: flip → dihedral");
        // test-time turns change what the study model reads, no slice model: the embeddings are made again
        String scores = "fracture:\n  box_labels: true\n  image_loss_weight: 1\n  study_inputs: scores\n";
        ConfigDiff tta = ConfigDiff.of(load(tmp, "scores", scores),
                load(tmp, "tta", scores + "  test_time_turns: 2\n"));
        assertThat(tta.changes()).containsExactly("fracture.test_time_turns: 1 → 2");
        assertThat(tta.firstRun()).isEqualTo("study");
        assertThat(tta.stalesEmbeddings()).isTrue();
        // a change of the study model's own training keeps them; one of M3 does not
        ConfigDiff studyEpochs = ConfigDiff.of(base, load(tmp, "studyepochs", "fracture:\n  box_labels: true\n"
                + "  image_loss_weight: 1\n  study:\n    epochs: 4\n"));
        assertThat(studyEpochs.firstRun()).isEqualTo("study");
        assertThat(studyEpochs.stalesEmbeddings()).isFalse();
        assertThat(ConfigDiff.of(base, load(tmp, "bags2", "fracture:\n  box_labels: true\n  image_loss_weight: 1\n"
                + "  image_mil_weight: 1\n")).stalesEmbeddings()).isTrue();
        assertThat(ConfigDiff.of(base, load(tmp, "threads", "fracture:\n  box_labels: true\n  image_loss_weight: 1\n"
                + "  threads: 3\n")).isEmpty()).isTrue();
        // how many runs train at once changes no model (as bbox.parallel_runs)
        assertThat(ConfigDiff.of(base, load(tmp, "parallel", "fracture:\n  box_labels: true\n  image_loss_weight: 1\n"
                + "  parallel_runs: 2\nbbox:\n  parallel_runs: 2\n")).isEmpty()).isTrue();
        // nor which epochs validate, in any model (validation changes no weight: BatchLimitTest)
        assertThat(ConfigDiff.of(base, load(tmp, "validating", "fracture:\n  box_labels: true\n"
                + "  image_loss_weight: 1\n  vertebra:\n    validate_every: 2\n  slice_fracture:\n"
                + "    validate_every: 3\n  study:\n    validate_every: 4\nbbox:\n  validate_every: 2\n")).isEmpty())
                .isTrue();
        // a sibling key of the same section still counts
        assertThat(ConfigDiff.of(base, load(tmp, "epochs", "fracture:\n  box_labels: true\n  image_loss_weight: 1\n"
                + "  study:\n    epochs: 4\n    validate_every: 2\n")).changes()).containsExactly(
                "fracture.study.epochs: 3 → 4");
    }

    private static ExperimentConfig load(Path tmp, String name, String yaml) throws Exception {
        return ConfigLoader.load(Files.writeString(tmp.resolve(name + ".yaml"), yaml).toString());
    }
}
